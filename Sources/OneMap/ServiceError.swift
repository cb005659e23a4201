/// Errors services report to callers; the HTTP layer maps each to a status and
/// an RFC 9457 problem. `detail` says what to change.
public enum ServiceError: Error, Sendable, Equatable {
    /// 400: a parameter is malformed or out of range.
    case badRequest(parameter: String?, detail: String)
    /// 404: the named thing does not exist (or the caller may not know it exists).
    case notFound(detail: String)
    /// 413/422-style limits.
    case tooLarge(detail: String)
    /// 403: the caller may see this but not do that.
    case forbidden(detail: String)
    /// 409: it exists already.
    case conflict(detail: String)
}

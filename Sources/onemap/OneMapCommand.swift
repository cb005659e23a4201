import ArgumentParser
import Foundation
import Logging

@main
struct OneMapCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "onemap",
        abstract: "OneMap 一张图: a geospatial one-map server (vector tiles, layers) on SpatiaLite.",
        subcommands: [Serve.self, Import.self, BuildSample.self, Transform.self, GeometryTool.self, PinyinTool.self],
        defaultSubcommand: Serve.self)
}

/// Where Public/, Styles/ and SampleData/ live: $ONEMAP_HOME, the working
/// directory, or the checkout the binary was built in (.build/<config>/onemap).
enum Resources {
    static func root() -> String {
        let fm = FileManager.default
        func looksRight(_ dir: String) -> Bool { fm.fileExists(atPath: dir + "/Styles") && fm.fileExists(atPath: dir + "/SampleData") }
        if let env = ProcessInfo.processInfo.environment["ONEMAP_HOME"], looksRight(env) { return env }
        let cwd = fm.currentDirectoryPath
        if looksRight(cwd) { return cwd }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 {
            if looksRight(dir.path) { return dir.path }
            dir = dir.deletingLastPathComponent()
        }
        return cwd
    }

    static var defaultSampleDB: String { root() + "/var/sample.sqlite" }
}

func bootstrapLogging(_ level: Logger.Level) {
    LoggingSystem.bootstrap { label in
        var h = StreamLogHandler.standardError(label: label)
        h.logLevel = level
        return h
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

func printError(_ s: String) {
    FileHandle.standardError.write(Data((s + "\n").utf8))
}

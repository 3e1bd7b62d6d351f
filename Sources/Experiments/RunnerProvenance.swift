import AlmanacCore
import Foundation
import Tracking

/// Where results came from: the tags every run gets.
public enum RunnerProvenance {
  /// Almanac's version, recorded with every run.
  public static let almanacVersion = AlmanacVersion.current

  /// The Swift compiler that built this binary (compile-time).
  public static let swiftVersion: String = {
    #if compiler(>=6.4)
      return "6.4+"
    #elseif compiler(>=6.3)
      return "6.3"
    #elseif compiler(>=6.2)
      return "6.2"
    #elseif compiler(>=6.1)
      return "6.1"
    #else
      return "6.0"
    #endif
  }()

  /// Tags describing this process and the experiment's directory:
  /// `almanac.version`, `almanac.swift`, `almanac.host`, `almanac.os`, `almanac.git.commit` (or `none` outside a
  /// repository or without git) and `almanac.git.dirty` (`true`, `false` or `unknown`: whether tracked files differ
  /// from the commit).
  public static func collect(directory: URL) -> [String: String] {
    var tags: [String: String] = [
      TagKey.version: almanacVersion,
      TagKey.swift: swiftVersion,
      TagKey.host: RunOwner.currentHostName(),
      TagKey.os: ProcessInfo.processInfo.operatingSystemVersionString,
    ]
    if let commit = git(["rev-parse", "HEAD"], in: directory), !commit.isEmpty {
      tags[TagKey.gitCommit] = commit
      if let status = git(["status", "--porcelain", "--untracked-files=no"], in: directory) {
        tags[TagKey.gitDirty] = status.isEmpty ? "false" : "true"
      } else {
        tags[TagKey.gitDirty] = "unknown"
      }
    } else {
      tags[TagKey.gitCommit] = "none"
      tags[TagKey.gitDirty] = "unknown"
    }
    return tags
  }

  /// Runs `git -C directory args...`; its trimmed stdout on exit status 0, nil otherwise (no git, not a repository).
  static func git(_ args: [String], in directory: URL) -> String? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["git", "-C", directory.path] + args
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    process.standardInput = FileHandle.nullDevice
    do {
      try process.run()
    } catch {
      return nil
    }
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { return nil }
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
  }
}

import AlmanacCore
import Foundation

/// SHA-256 fingerprints of input files, read in 1 MiB chunks and cached per (path, size, modification time), so a
/// file that changes is hashed again and one that does not is hashed once per fingerprinter. Thread-safe.
public final class FileFingerprinter: Sendable {
  private struct Identity: Hashable, Sendable {
    var path: String
    var size: Int64
    var modified: Double
  }

  private let cache = MemoCache<Identity, String>()

  public init() {}

  /// Lower-case hex SHA-256 of the file's bytes.
  /// - Throws: ``InputFileError`` when the file is missing, a directory, or unreadable.
  public func sha256(of url: URL) throws -> String {
    let path = url.standardizedFileURL.path
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
      throw InputFileError(path: path, reason: "not found")
    }
    if isDirectory.boolValue { throw InputFileError(path: path, reason: "is a directory, expected a file") }
    let attributes = (try? FileManager.default.attributesOfItem(atPath: path)) ?? [:]
    let size = (attributes[.size] as? NSNumber)?.int64Value ?? -1
    let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
    return try cache.value(for: Identity(path: path, size: size, modified: modified)) {
      try Self.hash(path: path)
    }
  }

  /// Hashes a file without caching.
  public static func hash(path: String) throws -> String {
    guard let handle = FileHandle(forReadingAtPath: path) else {
      throw InputFileError(path: path, reason: "cannot be opened for reading")
    }
    defer { try? handle.close() }
    var hasher = SHA256()
    while true {
      let chunk: Data?
      do {
        chunk = try handle.read(upToCount: 1 << 20)
      } catch {
        throw InputFileError(path: path, reason: "cannot be read (\(error.localizedDescription))")
      }
      guard let chunk, !chunk.isEmpty else { break }
      hasher.update(chunk)
    }
    return SHA256.hexString(hasher.finalize())
  }
}

/// An input file a task needs is missing or unreadable.
public struct InputFileError: Error, Sendable, CustomStringConvertible {
  /// Absolute, standardised path.
  public var path: String
  public var reason: String
  public init(path: String, reason: String) {
    self.path = path
    self.reason = reason
  }
  public var description: String { "input file \(path) \(reason)" }
}

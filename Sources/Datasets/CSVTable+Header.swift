import Foundation

extension CSVTable {
  /// The header of a CSV file, reading only as far as its first record (in 64 KiB chunks): what a planner checks
  /// column names against without reading the data. Rules as ``init(bytes:file:)`` (byte order mark and blank lines
  /// skipped, quotes, a name at most once).
  ///
  /// - Throws: ``CSVError`` for an unreadable or empty file (at 1:1), an unterminated quote or a column named twice.
  public static func header(contentsOf url: URL) throws -> [String] {
    guard let handle = FileHandle(forReadingAtPath: url.path) else {
      var isDirectory: ObjCBool = false
      let exists = FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory)
      let reason = !exists ? "no such file" : isDirectory.boolValue ? "is a directory" : "cannot be opened"
      throw CSVError(file: url.path, line: 1, column: 1, kind: .unreadable(reason: reason))
    }
    defer { try? handle.close() }
    var bytes: [UInt8] = []
    var scanned = 0
    var inQuotes = false
    var started = false
    while true {
      let chunk: Data?
      do {
        chunk = try handle.read(upToCount: 1 << 16)
      } catch {
        throw CSVError(file: url.path, line: 1, column: 1, kind: .unreadable(reason: error.localizedDescription))
      }
      guard let chunk, !chunk.isEmpty else { break }
      bytes.append(contentsOf: chunk)
      var end: Int?
      while scanned < bytes.count {
        let b = bytes[scanned]
        if b == UInt8(ascii: "\"") {
          inQuotes.toggle()
          started = true
        } else if !inQuotes, b == UInt8(ascii: "\n") || b == UInt8(ascii: "\r") {
          if started {
            end = scanned
            break
          }
        } else if !(scanned < 3 && (b == 0xEF || b == 0xBB || b == 0xBF)) {
          started = true
        }
        scanned += 1
      }
      if let end {
        bytes.removeSubrange(end...)
        break
      }
    }
    return try CSVTable(bytes: bytes, file: url.path).header
  }
}

import Foundation

/// A CSV file held as bytes with the position of every field (RFC 4180).
///
/// - The first non-blank line is the header. Fields are separated by `,`; records end at `\n`, `\r\n` or `\r`.
/// - A field may be quoted with `"`; inside quotes, `""` is a literal quote and delimiters and line ends are data.
/// - A leading UTF-8 byte order mark is skipped. Blank lines are skipped (as pandas' `skip_blank_lines`). Every
///   other record must have as many fields as the header (a trailing line end is optional). A non-empty column name
///   may appear only once in the header (``CSVError/Kind/duplicateColumn(name:firstColumn:)``).
/// - Typed accessors (``doubles(_:rows:)``, ``strings(_:)``, ``days(_:)``, ``seconds(_:)``, ``times(_:rows:)``)
///   convert a whole column (or chosen rows) and throw a ``CSVError`` naming the file, line and column of the first
///   bad cell. An empty numeric cell is NaN.
///
/// Parsing is a single pass over the bytes that records field boundaries only; cells are converted on demand.
public struct CSVTable: Sendable {
  /// The file name used in error messages.
  public let file: String
  /// Column names from the header line.
  public let header: [String]
  /// Number of data records (excluding the header and blank lines).
  public var rowCount: Int { recordCount }

  let bytes: [UInt8]
  /// Start and end (exclusive) byte offsets of each field's content, record after record (`header.count` fields per
  /// record). For quoted fields the range excludes the quotes.
  let starts: [Int32]
  let ends: [Int32]
  /// Fields that were quoted (their content may contain `""` escapes). Stored sparsely: most files have none.
  let quoted: Set<Int>
  let recordCount: Int

  /// Reads and parses a file.
  public init(contentsOf url: URL) throws {
    try self.init(bytes: Self.readBytes(url), file: url.path)
  }

  /// Parses text held in memory; `file` names it in errors.
  public init(text: String, file: String = "<text>") throws {
    try self.init(bytes: Array(text.utf8), file: file)
  }

  /// Parses bytes; `file` names them in errors.
  public init(bytes: [UInt8], file: String) throws {
    guard bytes.count < Int(Int32.max) else {
      throw CSVError(
        file: file, line: 1, column: 1, kind: .unreadable(reason: "files of 2 GiB or more are not supported"))
    }
    self.file = file
    self.bytes = bytes
    var starts: [Int32] = []
    var ends: [Int32] = []
    var quoted = Set<Int>()
    starts.reserveCapacity(bytes.count / 8)
    ends.reserveCapacity(bytes.count / 8)
    var fieldsPerRecord = -1
    var records = 0
    let comma = UInt8(ascii: ","), quote = UInt8(ascii: "\""), lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")

    try bytes.withUnsafeBufferPointer { buf in
      let n = buf.count
      var i = 0
      // A UTF-8 byte order mark is not part of the first column's name.
      if n >= 3, buf[0] == 0xEF, buf[1] == 0xBB, buf[2] == 0xBF { i = 3 }
      while i < n {
        // Skip blank lines.
        if buf[i] == lf || buf[i] == cr {
          i += 1
          continue
        }
        let recordFirstField = starts.count
        var fieldStartOffset = i
        // One record.
        while true {
          if i < n, buf[i] == quote {
            fieldStartOffset = i
            i += 1
            let contentStart = i
            var closed = false
            while i < n {
              if buf[i] == quote {
                if i + 1 < n, buf[i + 1] == quote {
                  i += 2
                  continue
                }
                closed = true
                break
              }
              i += 1
            }
            guard closed else {
              throw Self.error(buf, file: file, offset: fieldStartOffset, kind: .unterminatedQuote)
            }
            quoted.insert(starts.count)
            starts.append(Int32(truncatingIfNeeded: contentStart))
            ends.append(Int32(truncatingIfNeeded: i))
            i += 1  // past the closing quote
            if i < n, buf[i] != comma, buf[i] != lf, buf[i] != cr {
              let found = String(decoding: [buf[i]], as: UTF8.self)
              throw Self.error(buf, file: file, offset: i, kind: .characterAfterQuote(found: found))
            }
          } else {
            let s = i
            while i < n {
              let c = buf[i]
              if c == comma || c == lf || c == cr { break }
              i += 1
            }
            starts.append(Int32(truncatingIfNeeded: s))
            ends.append(Int32(truncatingIfNeeded: i))
          }
          if i < n, buf[i] == comma {
            i += 1
            continue
          }
          break
        }
        // End of record: consume the line end.
        if i < n, buf[i] == cr { i += 1 }
        if i < n, buf[i] == lf { i += 1 }
        let count = starts.count - recordFirstField
        if fieldsPerRecord < 0 {
          fieldsPerRecord = count
        } else {
          if count != fieldsPerRecord {
            throw Self.error(
              buf, file: file, offset: Int(starts[recordFirstField]) - (quoted.contains(recordFirstField) ? 1 : 0),
              kind: .fieldCount(expected: fieldsPerRecord, found: count))
          }
          records += 1
        }
      }
    }
    guard fieldsPerRecord > 0 else { throw CSVError(file: file, line: 1, column: 1, kind: .empty) }
    var header: [String] = []
    var seen: [String: Int] = [:]
    for f in 0..<fieldsPerRecord {
      let name = Self.decode(bytes, Int(starts[f]), Int(ends[f]), quoted: quoted.contains(f))
      if !name.isEmpty, let first = seen[name] {
        let offset = Int(starts[f]) - (quoted.contains(f) ? 1 : 0)
        throw bytes.withUnsafeBufferPointer {
          Self.error($0, file: file, offset: offset, kind: .duplicateColumn(name: name, firstColumn: first + 1))
        }
      }
      seen[name] = f
      header.append(name)
    }
    self.header = header
    self.starts = starts
    self.ends = ends
    self.quoted = quoted
    self.recordCount = records
  }

  // MARK: - Columns

  /// The index of a column, or a ``CSVError/Kind/missingColumn(name:available:)`` error located at the header.
  public func columnIndex(_ name: String) throws -> Int {
    guard let index = header.firstIndex(of: name) else {
      throw CSVError(file: file, line: headerLine, column: 1, kind: .missingColumn(name: name, available: header))
    }
    return index
  }

  /// The text of every cell of a column (quotes removed, `""` unescaped).
  public func strings(_ name: String) throws -> [String] {
    let c = try columnIndex(name)
    let width = header.count
    var out: [String] = []
    out.reserveCapacity(recordCount)
    // Consecutive equal cells share one String (token and symbol columns repeat a lot).
    var previous: (start: Int, end: Int)? = nil
    var previousString = ""
    for r in 0..<recordCount {
      let f = (r + 1) * width + c
      let s = Int(starts[f]), e = Int(ends[f])
      if !quoted.isEmpty, quoted.contains(f) {
        out.append(Self.decode(bytes, s, e, quoted: true))
        previous = nil
        continue
      }
      if let p = previous, p.end - p.start == e - s, bytes[p.start..<p.end].elementsEqual(bytes[s..<e]) {
        out.append(previousString)
        continue
      }
      previousString = Self.decode(bytes, s, e, quoted: false)
      previous = (s, e)
      out.append(previousString)
    }
    return out
  }

  /// Every cell of a numeric column as a Double: decimal or scientific notation, optional sign, `inf`/`nan`
  /// spellings; an empty cell is NaN. Throws ``CSVError/Kind/invalidNumber(column:text:)`` at the first bad cell.
  /// With `rows` (data record indices from 0, each below ``rowCount``), only those cells, in that order.
  public func doubles(_ name: String, rows: [Int]? = nil) throws -> [Double] {
    try convert(name, rows: rows, CSVNumber.parse) { .invalidNumber(column: name, text: $0) }
  }

  /// As ``doubles(_:rows:)``, but an infinite value (`inf`, or a number too large for a double such as `1e400`)
  /// throws ``CSVError/Kind/nonFiniteNumber(column:text:)`` at its cell. Missing values (empty, `NA`, `NaN`) are NaN.
  public func finiteDoubles(_ name: String, rows: [Int]? = nil) throws -> [Double] {
    try convert(name, rows: rows, { CSVNumber.parse($0).flatMap { $0.isInfinite ? nil : $0 } }) { text in
      let trimmed = text.trimmingCharacters(in: .whitespaces)
      let parsed = Array(trimmed.utf8).withUnsafeBufferPointer { CSVNumber.parse($0) }
      return parsed?.isInfinite == true
        ? .nonFiniteNumber(column: name, text: text) : .invalidNumber(column: name, text: text)
    }
  }

  /// Every cell of a date column as whole days since 1970-01-01 (see ``CSVDate`` for the formats).
  public func days(_ name: String) throws -> [Int] {
    try seconds(name).map { CSVDate.floorDiv($0, 86_400) }
  }

  /// Every cell of a date or timestamp column as seconds since 1970-01-01T00:00:00Z (see ``CSVDate``).
  public func seconds(_ name: String) throws -> [Int] {
    try convert(name, rows: nil, CSVDate.secondsSinceEpoch(bytes:)) {
      .invalidDate(column: name, text: $0, expected: CSVDate.expectedFormats)
    }
  }

  /// Every cell of a time column as seconds since 1970-01-01T00:00:00Z with fractions, in any of the formats of
  /// ``CSVDate/instant(_:)``: ISO dates and date-times, or numeric Unix epochs in s, ms, µs or ns (by magnitude).
  /// Throws ``CSVError/Kind/invalidDate(column:text:expected:)`` at the first bad cell (an empty cell is bad).
  /// With `rows`, only those cells, in that order (as ``doubles(_:rows:)``).
  public func times(_ name: String, rows: [Int]? = nil) throws -> [Double] {
    try convert(name, rows: rows, CSVDate.instant(bytes:)) {
      .invalidDate(column: name, text: $0, expected: CSVDate.expectedInstantFormats)
    }
  }

  /// The (line, column) of a data cell, 1-based; `row` counts data records from 0.
  public func location(row: Int, column: Int) -> (line: Int, column: Int) {
    let f = (row + 1) * header.count + column
    return bytes.withUnsafeBufferPointer { Self.locate($0, offset: fieldOffset(f)) }
  }

  // MARK: - Internals

  /// The whole file as bytes, read with one `read` loop into the array's storage (no intermediate `Data`).
  static func readBytes(_ url: URL) throws -> [UInt8] {
    func failure(_ reason: String) -> CSVError {
      CSVError(file: url.path, line: 1, column: 1, kind: .unreadable(reason: reason))
    }
    let fd = open(url.path, O_RDONLY)
    guard fd >= 0 else { throw failure(String(cString: strerror(errno))) }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw failure(String(cString: strerror(errno))) }
    let size = Int(info.st_size)
    var readError: Int32 = 0
    let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
      count = 0
      while count < size {
        let r = read(fd, buffer.baseAddress.map { $0 + count }, size - count)
        if r < 0 {
          if errno == EINTR { continue }
          readError = errno
          break
        }
        if r == 0 { break }
        count += r
      }
    }
    if readError != 0 { throw failure(String(cString: strerror(readError))) }
    return bytes
  }

  /// The cells of column `name` in `rows` (every record when nil) converted from their raw bytes (quotes removed,
  /// `""` left as is) by `parse`; a cell it rejects throws `kind(text)` located at that cell.
  @inline(__always)
  func convert<T>(
    _ name: String, rows: [Int]?, _ parse: (UnsafeBufferPointer<UInt8>) -> T?,
    error kind: (String) -> CSVError.Kind
  ) throws -> [T] {
    let c = try columnIndex(name)
    let width = header.count
    let selected = rows ?? []
    let all = rows == nil
    let count = all ? recordCount : selected.count
    var out: [T] = []
    out.reserveCapacity(count)
    try bytes.withUnsafeBufferPointer { buf in
      for k in 0..<count {
        let r = all ? k : selected[k]
        if !all { precondition(r >= 0 && r < recordCount, "row \(r) is outside 0..<\(recordCount)") }
        let f = (r + 1) * width + c
        let s = Int(starts[f]), e = Int(ends[f])
        guard let v = parse(UnsafeBufferPointer(rebasing: buf[s..<e])) else {
          throw cellError(field: f, kind: kind(Self.decode(bytes, s, e, quoted: false)))
        }
        out.append(v)
      }
    }
    return out
  }

  var headerLine: Int {
    bytes.withUnsafeBufferPointer { Self.locate($0, offset: fieldOffset(0)).line }
  }

  func fieldOffset(_ f: Int) -> Int { Int(starts[f]) - (!quoted.isEmpty && quoted.contains(f) ? 1 : 0) }

  func cellError(field f: Int, kind: CSVError.Kind) -> CSVError {
    let (line, column) = bytes.withUnsafeBufferPointer { Self.locate($0, offset: fieldOffset(f)) }
    return CSVError(file: file, line: line, column: column, kind: kind)
  }

  static func error(_ buf: UnsafeBufferPointer<UInt8>, file: String, offset: Int, kind: CSVError.Kind) -> CSVError {
    let (line, column) = locate(buf, offset: offset)
    return CSVError(file: file, line: line, column: column, kind: kind)
  }

  /// Line and column (1-based) of a byte offset; `\r\n`, `\n` and a lone `\r` each end a line.
  static func locate(_ buf: UnsafeBufferPointer<UInt8>, offset: Int) -> (line: Int, column: Int) {
    var line = 1
    var lineStart = 0
    var i = 0
    let end = min(offset, buf.count)
    while i < end {
      let c = buf[i]
      if c == UInt8(ascii: "\n") {
        line += 1
        lineStart = i + 1
      } else if c == UInt8(ascii: "\r") {
        if i + 1 < buf.count, buf[i + 1] == UInt8(ascii: "\n") {
          if i + 1 < end {
            i += 1
          } else {
            break
          }
        }
        line += 1
        lineStart = i + 1
      }
      i += 1
    }
    return (line, offset - lineStart + 1)
  }

  static func decode(_ bytes: [UInt8], _ s: Int, _ e: Int, quoted: Bool) -> String {
    let text = String(decoding: bytes[s..<e], as: UTF8.self)
    return quoted ? text.replacingOccurrences(of: "\"\"", with: "\"") : text
  }
}

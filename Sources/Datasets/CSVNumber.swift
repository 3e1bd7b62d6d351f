import Foundation  // strtod (C library) for the slow path

/// Number parsing from CSV bytes.
///
/// Grammar: optional spaces, optional sign, digits with an optional `.` and fraction (at least one digit in all),
/// optional exponent `e`/`E` with optional sign and digits, optional spaces. Also `inf`, `infinity`, `nan`, `na`
/// (any case, signed) and the empty cell, which is NaN (pandas and R read an empty cell and `NA` as missing).
///
/// Exactness: when the decimal significand has at most 19 digits, fits below 2^53 and the decimal exponent is within
/// ±22, the value is computed with one correctly rounded multiplication or division by an exact power of ten
/// (Clinger's fast path), so it is the correctly rounded double. Otherwise the validated text goes to the C library's
/// `strtod` (glibc's is correctly rounded), from a stack buffer, without allocating.
enum CSVNumber {
  static let powersOfTen: [Double] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
    1e20, 1e21, 1e22,
  ]

  static func parse(_ b: UnsafeBufferPointer<UInt8>) -> Double? {
    var i = 0
    var n = b.count
    while i < n, b[i] == UInt8(ascii: " ") { i += 1 }
    while n > i, b[n - 1] == UInt8(ascii: " ") { n -= 1 }
    if i == n { return .nan }
    let start = i
    var negative = false
    if b[i] == UInt8(ascii: "-") || b[i] == UInt8(ascii: "+") {
      negative = b[i] == UInt8(ascii: "-")
      i += 1
    }
    var mantissa: UInt64 = 0
    var digits = 0  // significant digits accumulated in mantissa
    var dropped = 0  // integer digits that did not fit (scale up)
    var sawDigit = false
    var exponent = 0
    var exact = true
    while i < n, b[i] >= 48, b[i] <= 57 {
      sawDigit = true
      if digits < 19 {
        mantissa = mantissa &* 10 &+ UInt64(b[i] - 48)
        if mantissa != 0 { digits += 1 }
      } else {
        dropped += 1
        if b[i] != 48 { exact = false }
      }
      i += 1
    }
    exponent += dropped
    if i < n, b[i] == UInt8(ascii: ".") {
      i += 1
      while i < n, b[i] >= 48, b[i] <= 57 {
        sawDigit = true
        if digits < 19 {
          mantissa = mantissa &* 10 &+ UInt64(b[i] - 48)
          if mantissa != 0 { digits += 1 }
          exponent -= 1
        } else if b[i] != 48 {
          exact = false
        }
        i += 1
      }
    }
    if !sawDigit { return special(b, from: i, to: n, negative: negative) }
    if i < n, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
      i += 1
      var expNegative = false
      if i < n, b[i] == UInt8(ascii: "-") || b[i] == UInt8(ascii: "+") {
        expNegative = b[i] == UInt8(ascii: "-")
        i += 1
      }
      var e = 0
      var sawExpDigit = false
      while i < n, b[i] >= 48, b[i] <= 57 {
        sawExpDigit = true
        if e < 100_000 { e = e * 10 + Int(b[i] - 48) }
        i += 1
      }
      if !sawExpDigit { return nil }
      exponent += expNegative ? -e : e
    }
    if i != n { return nil }
    if exact, mantissa <= (1 << 53), exponent >= -22, exponent <= 22 {
      let m = Double(mantissa)
      let v = exponent >= 0 ? m * powersOfTen[exponent] : m / powersOfTen[-exponent]
      return negative ? -v : v
    }
    if mantissa == 0, exact { return negative ? -0.0 : 0.0 }
    return slowPath(UnsafeBufferPointer(rebasing: b[start..<n]))
  }

  /// `strtod` over a NUL-terminated copy of already validated text.
  private static func slowPath(_ text: UnsafeBufferPointer<UInt8>) -> Double? {
    withUnsafeTemporaryAllocation(of: CChar.self, capacity: text.count + 1) { buffer in
      for (k, byte) in text.enumerated() { buffer[k] = CChar(bitPattern: byte) }
      buffer[text.count] = 0
      guard let base = buffer.baseAddress else { return nil }
      return strtod(base, nil)
    }
  }

  private static func special(_ b: UnsafeBufferPointer<UInt8>, from i: Int, to n: Int, negative: Bool) -> Double? {
    var word = ""
    for k in i..<n { word.append(Character(Unicode.Scalar(b[k] | 0x20))) }
    switch word {
    case "inf", "infinity": return negative ? -.infinity : .infinity
    case "nan", "na": return .nan
    default: return nil
    }
  }
}

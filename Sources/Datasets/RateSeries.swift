/// A time series of interest rates (or any values): `times` in seconds since 1970-01-01 UTC, ascending, and
/// `values` of the same length. What the forecast task fits ARIMA models to.
public struct RateSeries: Sendable, Hashable {
  /// Seconds since 1970-01-01 UTC, ascending (ties keep file order).
  public var times: [Double]
  public var values: [Double]

  public init(times: [Double], values: [Double]) {
    precondition(times.count == values.count, "times and values must have the same length")
    self.times = times
    self.values = values
  }

  public var count: Int { values.count }
  public var isEmpty: Bool { values.isEmpty }

  /// Which rate of a ``DailyRate`` row to take.
  public enum Rate: String, Sendable, Hashable, CaseIterable {
    case variableBorrow = "variable_borrow"
    case stableBorrow = "stable_borrow"
    case supply
  }

  /// The daily series of one symbol's rate from a rates table (for example ``SyntheticMarket/Output/rates``):
  /// rows whose symbol equals `symbol` exactly, sorted by day, times at midnight UTC (`day * 86400`).
  /// No matching rows give an empty series.
  public init(rates: [DailyRate], symbol: String, rate: Rate) {
    let rows = rates.filter { $0.symbol == symbol }.sorted { $0.day < $1.day }
    times = rows.map { Double($0.day) * 86_400 }
    values = rows.map { row in
      switch rate {
      case .variableBorrow: row.variableBorrowRate
      case .stableBorrow: row.stableBorrowRate
      case .supply: row.supplyRate
      }
    }
  }

  /// How to read a series from a CSV file (see ``load(file:options:)``).
  public struct Options: Sendable, Hashable {
    /// Column holding the time: ISO `YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS` (or with `T`, optional fraction and `Z`; UTC),
    /// or a numeric Unix epoch in seconds (values of magnitude >= 1e11, 1e14, 1e17 are read as milli-, micro- and
    /// nanoseconds).
    public var timeColumn: String
    /// Column holding the value (decimal or scientific number; an empty cell or `nan` in any case is missing).
    public var valueColumn: String
    /// Keep only rows whose cell in each named column equals the given text exactly (for example `symbol: USDC`).
    public var filter: [String: String]
    /// Drop rows whose value is <= 0 (missing values are kept for ``Missing/interpolate``).
    public var positiveOnly: Bool
    /// Keep only the last `last` points after everything else (0 = all).
    public var last: Int
    public var resample: Resample
    public var missing: Missing

    public init(timeColumn: String, valueColumn: String, filter: [String: String] = [:], positiveOnly: Bool = false,
                last: Int = 0, resample: Resample = .none, missing: Missing = .drop)
    {
      self.timeColumn = timeColumn
      self.valueColumn = valueColumn
      self.filter = filter
      self.positiveOnly = positiveOnly
      self.last = last
      self.resample = resample
      self.missing = missing
    }
  }

  /// Resampling to a regular grid: the mean of the values whose time falls in each UTC hour or day, stamped at the
  /// bucket's start (like pandas `resample("h"/"D").mean()`).
  public enum Resample: String, Sendable, Hashable, CaseIterable {
    case none, hourly, daily

    var seconds: Double? {
      switch self {
      case .none: nil
      case .hourly: 3_600
      case .daily: 86_400
      }
    }
  }

  /// What to do with missing values (empty cells) and, after resampling, empty buckets.
  public enum Missing: String, Sendable, Hashable, CaseIterable {
    /// Remove them.
    case drop
    /// Linear interpolation in time between the nearest present neighbours (pandas `interpolate(method="time")`);
    /// missing points before the first or after the last present value are dropped.
    case interpolate
  }
}

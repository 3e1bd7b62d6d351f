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
    /// Column holding the value (decimal or scientific number; an empty cell, `NA` or `NaN` in any case is
    /// missing; `inf` or a number beyond the double range is an error).
    public var valueColumn: String
    /// Keep only rows whose cell in each named column equals the given text exactly (for example `symbol: USDC`).
    public var filter: [String: String]
    /// Drop rows whose value is <= 0 (missing values are kept for ``Missing/interpolate``).
    public var positiveOnly: Bool
    /// Keep only the last `last` points after everything else (0 = all).
    public var last: Int
    public var resample: Resample
    public var missing: Missing
    /// What to do with two rows at the same time (without resampling; resampling averages them anyway).
    public var duplicates: Duplicates

    public init(
      timeColumn: String, valueColumn: String, filter: [String: String] = [:], positiveOnly: Bool = false,
      last: Int = 0, resample: Resample = .none, missing: Missing = .drop, duplicates: Duplicates = .error
    ) {
      self.duplicates = duplicates
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

  /// What to do with missing values (empty, `NA` or `NaN` cells) and, after resampling, empty buckets.
  public enum Missing: String, Sendable, Hashable, CaseIterable {
    /// Keep them as NaN in place (R's `NA`: the ARIMA Kalman filter skips them). With resampling, every empty bucket
    /// between the first and the last filled one is a NaN point, so the series is on a regular grid.
    case keep
    /// Remove them.
    case drop
    /// Linear interpolation in time between the nearest present neighbours (pandas `interpolate(method="time")`);
    /// missing points before the first or after the last present value are dropped.
    case interpolate
  }

  /// What to do with rows that share a time (checked after filtering, before resampling, only without resampling).
  public enum Duplicates: String, Sendable, Hashable, CaseIterable {
    /// An error naming both lines (the default).
    case error
    /// The mean of their values (missing values left out; NaN when all are missing).
    case mean
    /// The first row in the file.
    case first
    /// The last row in the file.
    case last
  }

  /// What loading did to the rows (for logs and reports): nothing is dropped without being counted here.
  public struct LoadSummary: Sendable, Hashable {
    /// Data rows in the file.
    public var rows = 0
    /// Rows left out by the filter.
    public var filteredOut = 0
    /// Rows dropped by `positiveOnly` (value <= 0).
    public var droppedNonPositive = 0
    /// Rows merged into another by `duplicates`.
    public var mergedDuplicates = 0
    /// Missing values dropped (``Missing/drop``, or outside the interpolation range).
    public var droppedMissing = 0
    /// Missing values filled in by ``Missing/interpolate``.
    public var interpolated = 0
    /// Missing values kept as NaN (``Missing/keep``).
    public var keptMissing = 0
    /// Points removed by `last`.
    public var droppedByLast = 0
    public init() {}
  }

  /// The spacing of the series: the median of the positive differences between consecutive times; nil with fewer
  /// than two distinct times.
  public var spacing: Double? {
    var steps: [Double] = []
    steps.reserveCapacity(max(0, times.count - 1))
    for i in times.indices.dropFirst() where times[i] > times[i - 1] { steps.append(times[i] - times[i - 1]) }
    guard !steps.isEmpty else { return nil }
    steps.sort()
    let mid = steps.count / 2
    return steps.count % 2 == 1 ? steps[mid] : (steps[mid - 1] + steps[mid]) / 2
  }

  /// Largest `count` accepted by ``futureTimes(_:)``.
  public static let maxFutureTimes = 1_000_000

  /// Times of the next `count` points after the last one, continuing the series' own ``spacing``:
  /// `last + k * spacing`, k = 1...count. Nil when the spacing is unknown (fewer than two distinct times) or `count`
  /// is outside 0...``maxFutureTimes``.
  public func futureTimes(_ count: Int) -> [Double]? {
    guard count >= 0, count <= Self.maxFutureTimes, let step = spacing, let last = times.last else { return nil }
    return (1...max(1, count)).prefix(count).map { last + Double($0) * step }
  }
}

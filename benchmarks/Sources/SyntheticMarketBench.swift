import Datasets
import Foundation

/// `almanac-bench synthetic [--days N] [--repeats R] [--out DIR]`: times `SyntheticMarket.generate` (median of R runs,
/// default 730 days, 9 runs) and, with `--out`, `SyntheticMarket.write`.
func syntheticMarketBenchmark(_ args: ArraySlice<String>) throws {
  var days = 730
  var repeats = 9
  var out: URL?
  var rest = args
  while let flag = rest.popFirst() {
    let value = rest.popFirst() ?? ""
    switch flag {
    case "--days": days = Int(value) ?? days
    case "--repeats": repeats = max(1, Int(value) ?? repeats)
    case "--out": out = URL(fileURLWithPath: value)
    default:
      print("unknown option \(flag)")
      exit(2)
    }
  }
  var times: [Double] = []
  var output: SyntheticMarket.Output?
  for r in 0..<repeats {
    let start = DispatchTime.now().uptimeNanoseconds
    output = SyntheticMarket.generate(.init(seed: UInt64(r), days: days))
    times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
  }
  times.sort()
  let rows =
    output.map {
      "\($0.tables.liquidations.count) liquidations, \($0.tables.depositsBorrows.count) deposit/borrow rows, \($0.rates.count) rate rows (last run)"
    } ?? ""
  print(
    String(
      format: "synthetic generate %d days: median %.4f s, min %.4f s over %d runs; %@", days,
      times[times.count / 2], times[0], repeats, rows))
  if let out, let output {
    let start = DispatchTime.now().uptimeNanoseconds
    try SyntheticMarket.write(output, to: out)
    print(
      String(
        format: "synthetic write: %.4f s to %@", Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, out.path))
  }
}

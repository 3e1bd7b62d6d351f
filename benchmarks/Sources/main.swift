// almanac-bench: benchmarks that print their time next to the reference program's (see benchmarks/README.md).
// Usage: swift run -c release almanac-bench <name> [options]
import Foundation

let benchmarks: [String: (ArraySlice<String>) throws -> Void] = [
  "network": NetworkBenchmark.run,
  "trees": TreeBenchmark.run,
  "gru": GRUBenchmark.run,
  "learning": learningBenchmark,
  "panel": panelBenchmark,
  "arima": ArimaBenchmark.run,
  "synthetic": syntheticMarketBenchmark,
  "report": reportBenchmark,
  "store": StoreBenchmark.run,
  "merge": MergeBenchmark.run,
]

let args = CommandLine.arguments.dropFirst()
guard let name = args.first, let bench = benchmarks[name] else {
  print("usage: almanac-bench <\(benchmarks.keys.sorted().joined(separator: "|"))> [options]")
  exit(2)
}
try bench(args.dropFirst())

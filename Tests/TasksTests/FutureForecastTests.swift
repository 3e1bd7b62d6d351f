import Datasets
import Experiments
import Forecasting
import Foundation
@testable import Tasks
import Testing
import _TestSupport

/// `FutureForecast`: the library behind `almanac forecast` (refit on every point, forecast beyond the end, render).
@Suite struct FutureForecastTests {
  typealias T = ForecastTaskTests

  /// Params as the runner stores them (dotted paths; strings bare, everything else canonical JSON).
  static func params(_ settings: Value) -> [String: String] {
    var out: [String: String] = [:]
    for (path, value) in settings.flattened() { out[path] = value.string ?? value.canonicalJSON }
    return out
  }

  @Test func settingsRoundTripThroughParams() throws {
    let s = T.settings(["data.source": "synthetic", "data.filter.symbol": "USDC", "p": 2, "P": 1, "period": 7,
                        "search": "stepwise", "holdout": 0, "horizon": 5, "data.positive_only": false])
    let rebuilt = FutureForecast.settings(fromParams: Self.params(s))
    #expect(try ValidatedSettings(rebuilt, schema: ForecastTask.schema).value
      == (try ValidatedSettings(s, schema: ForecastTask.schema).value))
    #expect(FutureForecast.value(ofParam: "0.25") == .double(0.25) && FutureForecast.value(ofParam: "-3") == .int(-3))
    #expect(FutureForecast.value(ofParam: "css-ml") == .string("css-ml"))
  }

  /// The forecast refits on every point (holdout ignored) and equals a direct fit and forecast of the whole series.
  @Test func refitsOnAllPointsAndForecastsBeyondTheEnd() throws {
    let s = T.settings(["data.source": "synthetic", "data.last": 400, "holdout": 30, "p": 1, "d": 1, "q": 1])
    let base = T.context.baseDirectory
    let forecast = try FutureForecast.make(settings: s, baseDirectory: base, horizon: 12)
    #expect(forecast.rows.count == 12 && forecast.order == "(1,1,1)" && forecast.transform == "log")
    let loaded = try ForecastTask.loadSeries(try SeriesRequest(settings: s, baseDirectory: base))
    let fit = try ARIMA.fit(try SeriesTransform.log.apply(loaded.series.values), order: ARIMAOrder(p: 1, d: 1, q: 1))
    let direct = SeriesTransform.log.backTransform(try fit.forecast(steps: 12))
    let last = try #require(loaded.series.times.last)
    for (i, row) in forecast.rows.enumerated() {
      #expect(row.step == i + 1 && row.time == last + Double(i + 1) * 86_400)
      // Same computation on the same data: equal to rounding.
      #expect(abs(row.forecast - direct.point[i]) < 1e-12 && abs(row.upper95 - direct.upper95[i]) < 1e-12)
      #expect(row.lower95 < row.lower80 && row.lower80 < row.forecast && row.forecast < row.upper80
        && row.upper80 < row.upper95)
    }
    // Without --horizon: the settings' horizon (= holdout here).
    #expect(try FutureForecast.make(settings: s, baseDirectory: base).rows.count == 30)
    #expect(throws: TrialFailure.self) { try FutureForecast.make(settings: s, baseDirectory: base, horizon: 0) }
  }

  @Test func rendersTableCSVAndJSON() throws {
    let rows = [FutureForecast.Row(step: 1, time: 86_400, forecast: 0.05, lower80: 0.04, upper80: 0.06, lower95: 0.03,
                                   upper95: 0.07),
                FutureForecast.Row(step: 2, time: .nan, forecast: 0.051, lower80: 0.04, upper80: 0.062, lower95: 0.03,
                                   upper95: 0.075)]
    let f = FutureForecast(rows: rows, order: "(1,1,1)", transform: "log")
    let csv = f.render(.csv).split(separator: "\n")
    #expect(csv.count == 3 && csv[0] == "step,time,forecast,lower80,upper80,lower95,upper95")
    #expect(csv[1] == "1,1970-01-02T00:00:00Z,0.05,0.04,0.06,0.03,0.07")
    let json = try #require(try JSONSerialization.jsonObject(with: Data(f.render(.json).utf8)) as? [String: Any])
    #expect(json["order"] as? String == "(1,1,1)")
    let items = try #require(json["rows"] as? [[String: Any]])
    #expect(items.count == 2 && items[0]["upper95"] as? Double == 0.07 && items[1]["time"] is NSNull)
    let table = f.render(.table)
    #expect(table.hasPrefix("ARIMA(1,1,1), transform log (point forecast = median)"))
    #expect(table.contains("1970-01-02T00:00:00Z") && table.split(separator: "\n").count == 4)
  }
}

import Experiments
import Foundation

/// The tasks an experiment file can name with `task:`.
public enum TaskRegistry {
  /// The tasks of a normal run. With `ALMANAC_ENABLE_TEST_TASKS=1` in the environment, the test-only tasks
  /// (``SleepTask``) are added; end-to-end tests use them to exercise the runner with real processes.
  public static func tasks(environment: [String: String] = ProcessInfo.processInfo.environment) -> [any TrialTask] {
    var tasks: [any TrialTask] = builtIn
    if environment["ALMANAC_ENABLE_TEST_TASKS"] == "1" { tasks.append(SleepTask()) }
    return tasks
  }

  static var builtIn: [any TrialTask] { [ClassifyTask(), ForecastTask()] }
}

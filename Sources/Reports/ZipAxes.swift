/// The sweep's `zip` groups as single axes for the comparisons.
///
/// A `zip` group moves several settings together (`model.type: [mlp, gru]` with `features: [3d, daily]`), so no two
/// trials differ in one of its keys alone: compared key by key, the group has no pairs. Here each group becomes one
/// axis, named by its keys joined with ` + ` and valued by its keys' values joined with `, ` (in the group's key
/// order), added to every trial that has all of the group's keys. Keys of a group replace the group in the axis list
/// at the place of its first key. Groups of fewer than two keys, or with a key that is not a sweep axis, are ignored.
struct ZipAxes: Sendable {
  /// The comparison axes: the sweep axes with each group's keys replaced by the group's axis.
  var axes: [String]
  /// The trials, each with a parameter per group axis.
  var trials: [TrialRecord]
  /// Group axis name -> the keys it stands for.
  var members: [String: [String]]

  init(groups: [[String]], axes sweepAxes: [String], trials: [TrialRecord]) {
    let usable = groups.filter { $0.count > 1 && $0.allSatisfy(sweepAxes.contains) }
    var members: [String: [String]] = [:]
    var axes: [String] = []
    var placed = Set<String>()
    for key in sweepAxes {
      guard let group = usable.first(where: { $0.contains(key) }) else {
        axes.append(key)
        continue
      }
      let name = group.joined(separator: " + ")
      if placed.insert(name).inserted {
        axes.append(name)
        members[name] = group
      }
    }
    var trials = trials
    if !members.isEmpty {
      for i in trials.indices {
        for (name, keys) in members {
          let values = keys.compactMap { trials[i].params[$0] }
          if values.count == keys.count { trials[i].params[name] = values.joined(separator: ", ") }
        }
      }
    }
    self.axes = axes
    self.trials = trials
    self.members = members
  }
}

import Experiments
import Testing

/// Reading settings through their schema: typed accessors, defaults filled by validation, programming errors typed,
/// declaration rules, the generated documentation table.
@Suite("Settings: typed accessors and declarations")
struct ValidatedSettingsTests {
  enum Colour: String, CaseIterable { case red, green }
  enum Shape: String, CaseIterable { case round, square, flat }

  /// Every kind of field, with a nested object, a one-of and a field defaulting to another.
  static let fields: [Field] = [
    Field("count", .int(min: 1, max: 10), default: 3, help: "how many"),
    Field("rate", .double(min: 0, max: 1, exclusiveMin: true), default: 0.5, help: "a rate"),
    Field("flag", .bool, default: true),
    Field("name", .string(), default: "n"),
    Field("colour", .choice(Colour.self), default: "red", help: "red | green"),
    Field("widths", .list(of: .int(min: 1, max: 99), nonEmpty: false, maxCount: 4), default: [2, 3]),
    Field("weights", .list(of: .double(min: 0, max: 1), maxCount: 2), default: [0.25, 0.75]),
    Field("tags", .list(of: .string(), maxCount: 3), default: ["a"]),
    Field("groups", .dictionary(of: .string()), default: .map([:])),
    Field("cut", .oneOf([.double(min: 0, max: 1, exclusiveMin: true, exclusiveMax: true), .choice(Shape.self)]),
          default: 0.5),
    Field("inner", .object([Field("depth", .int(min: 0, max: 5), default: 2, help: "levels")]), help: "nested"),
    Field("steps", .int(min: 1, max: 10), defaultPath: "count", help: "defaults to count"),
    Field("optional", .int(min: 0, max: 1)),
  ]

  @Test("Accessors return the schema's defaults, typed")
  func defaults() throws {
    let s = try ValidatedSettings(.null, schema: Self.fields)
    #expect(try s.int("count") == 3)
    #expect(try s.double("rate") == 0.5)
    #expect(try s.bool("flag"))
    #expect(try s.string("name") == "n")
    #expect(try s.choice("colour", as: Colour.self) == .red)
    #expect(try s.ints("widths") == [2, 3])
    #expect(try s.doubles("weights") == [0.25, 0.75])
    #expect(try s.strings("tags") == ["a"])
    #expect(try s.dictionary("groups").isEmpty)
    #expect(try s.value("cut") == .double(0.5))
    #expect(try s.int("inner.depth") == 2)
    #expect(try s.int("steps") == 3, "an omitted field with a default path reads that setting")
    #expect(s.value[path: "steps"] == nil, "the resolved tree leaves it out (trial keys unchanged)")
  }

  @Test("Written values win; an integer written for a number reads as that number")
  func writtenValues() throws {
    let s = try ValidatedSettings(["count": 7, "rate": 1, "colour": "green", "steps": 9, "inner": ["depth": 0],
                                   "cut": "flat", "groups": ["g": 5]], schema: Self.fields)
    #expect(try s.int("count") == 7)
    #expect(try s.double("rate") == 1)
    #expect(try s.choice("colour", as: Colour.self) == .green)
    #expect(try s.int("steps") == 9)
    #expect(try s.int("inner.depth") == 0)
    #expect(try s.value("cut") == "flat")
    #expect(try s.dictionary("groups") == ["g": "5"], "a bare number in a string map is kept as its text")
  }

  @Test("Invalid settings throw one message per problem, each naming its setting")
  func invalid() {
    #expect(throws: SettingsError.invalid(["unknown key 'colur' (did you mean 'colour'?)",
                                           "'count' must be between 1 and 10, got 11"])) {
      try ValidatedSettings(["count": 11, "colur": "red"], schema: Self.fields)
    }
    #expect(throws: SettingsError.invalid(["'count' must be between 1 and 10, got 9223372036854775807"])) {
      try ValidatedSettings(["count": .int(Int.max)], schema: Self.fields)
    }
    #expect(throws: SettingsError.invalid(["'widths' must have at most 4 items, got 5"])) {
      try ValidatedSettings(["widths": [1, 2, 3, 4, 5]], schema: Self.fields)
    }
  }

  @Test("Reading what the schema does not declare, as another type, or absent, is a typed programming error")
  func programmingErrors() throws {
    let s = try ValidatedSettings(.null, schema: Self.fields)
    #expect(throws: SettingsError.undeclared(path: "nope")) { try s.int("nope") }
    #expect(throws: SettingsError.undeclared(path: "inner.nope")) { try s.int("inner.nope") }
    #expect(throws: SettingsError.wrongType(path: "rate", requested: "an integer", declared: "a number > 0 and <= 1")) {
      try s.int("rate")
    }
    #expect(throws: SettingsError.wrongType(path: "colour", requested: "a free string",
                                            declared: "one of: red, green")) {
      try s.string("colour")
    }
    // An enum whose cases are not the schema's choices.
    #expect(throws: SettingsError.wrongType(path: "colour", requested: "one of: round, square, flat",
                                            declared: "one of: red, green")) {
      try s.choice("colour", as: Shape.self)
    }
    #expect(throws: SettingsError.missing(path: "optional")) { try s.int("optional") }
    #expect(SettingsError.missing(path: "optional").description
      == "internal error: setting 'optional' has no value after validation and no default")
  }

  @Test("Choices declared from an enum are its raw values, in declaration order")
  func choicesFromAnEnum() {
    guard case .string(let choices?) = Schema.choice(Shape.self) else {
      Issue.record("choice(_:) must build a string schema with choices")
      return
    }
    #expect(choices == ["round", "square", "flat"])
  }

  @Test("A scalar that fits no alternative of a one-of is told every alternative")
  func oneOfMessages() {
    func message(_ value: Value) -> [String] {
      do {
        _ = try ValidatedSettings(["cut": value], schema: Self.fields)
        return []
      } catch let error as SettingsError {
        if case .invalid(let messages) = error { return messages }
        return ["\(error)"]
      } catch {
        return ["\(error)"]
      }
    }
    let expected = "'cut' must be a number in (0, 1) or one of: round, square, flat"
    #expect(message(1) == [expected + ", got 1"])
    #expect(message(0) == [expected + ", got 0"])
    #expect(message("rond") == [expected + ", got 'rond' (did you mean 'round'?)"])
    #expect(message(0.25).isEmpty)
  }

  @Test("Bounds read as people write them")
  func expectations() {
    #expect(Schema.double(min: 0, max: 1, exclusiveMin: true, exclusiveMax: true).expectation == "a number in (0, 1)")
    #expect(Schema.double(min: 0, max: 1, exclusiveMax: true).expectation == "a number >= 0 and < 1")
    #expect(Schema.double(max: 1, exclusiveMax: true).expectation == "a number < 1")
    #expect(Schema.int(min: 1, max: Int.max).expectation == "an integer between 1 and 9223372036854775807")
    #expect(Schema.string(choices: ["tune"]).expectation == "'tune'")
    #expect(Schema.list(of: .int(min: 1, max: 9), maxCount: 2).expectation
      == "a non-empty list of at most 2 integers between 1 and 9")
  }

  @Test("Declaration rules: bounded numbers and lists, valid defaults, a declared default path")
  func declarationProblems() {
    #expect(Schema.declarationProblems(Self.fields).isEmpty, "the test schema follows every rule")
    let bad: [Field] = [
      Field("a", .int(min: 0)),
      Field("b", .double(max: 1)),
      Field("c", .list(of: .int(min: 0, max: 1))),
      Field("d", .int(min: 0, max: 5), default: 9),
      Field("e", .int(min: 0, max: 5), defaultPath: "missing"),
      Field("f", .string(), defaultPath: "a"),
      Field("g", .object([Field("h", .oneOf([.double(min: 0), .string(choices: ["x", "x"])]))])),
      Field("a", .bool),
    ]
    #expect(Schema.declarationProblems(bad) == [
      "'a' is an integer without a lower and an upper bound",
      "'b' is a number without a lower and an upper bound",
      "'c' is a list without a maximum length",
      "the default of 'd' does not validate: 'd' must be between 0 and 5, got 9",
      "'e' defaults to 'missing', which is not declared",
      "'f' defaults to 'a', which has another type",
      "'g.h' is a number without a lower and an upper bound",
      "'g.h' lists a choice twice",
      "'a' is declared twice",
    ])
  }

  @Test("The documentation table: one row per setting, types with bounds, defaults, help, pipes escaped")
  func markdownTable() {
    let fields: [Field] = [
      Field("n", .int(min: 1, max: 10), default: 3, help: "how many"),
      Field("r", .double(min: 0, max: 1, exclusiveMin: true), default: 0.5, help: "a | b"),
      Field("c", .choice(Colour.self), default: "red"),
      Field("o", .object([Field("k", .list(of: .double(min: 0, max: 1, exclusiveMax: true), maxCount: 2),
                                default: [0.9, 0.999])]), help: "nested"),
      Field("h", .int(min: 1, max: 10), defaultPath: "n"),
      Field("t", .oneOf([.double(min: 0, max: 1, exclusiveMin: true, exclusiveMax: true), .string(choices: ["tune"])]),
            default: "tune"),
      Field("m", .dictionary(of: .string()), default: .map([:])),
      Field("z", .string(), required: true),
    ]
    #expect(Schema.markdownTable(fields) == """
      | Setting | Type | Default | Description |
      |---|---|---|---|
      | `n` | integer in [1, 10] | `3` | how many |
      | `r` | number in (0, 1] | `0.5` | a \\| b |
      | `c` | `red` \\| `green` | `red` |  |
      | `o` | map |  | nested |
      | `o.k` | list of 1 to 2 × number in [0, 1) | `[0.9, 0.999]` |  |
      | `h` | integer in [1, 10] | = `n` |  |
      | `t` | number in (0, 1) or `tune` | `tune` |  |
      | `m` | map of name → string | `{}` |  |
      | `z` | string | required |  |

      """)
  }
}

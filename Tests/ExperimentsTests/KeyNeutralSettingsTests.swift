import Experiments
import Testing

/// Key-neutral defaults (`Field.keyNeutral`): a setting added after stores were written reads its default without
/// entering the resolved settings, so existing trial keys stay as they were (model.gru under classify).
@Suite("Settings: key-neutral defaults")
struct KeyNeutralSettingsTests {
  static let fields: [Field] = [
    Field("count", .int(min: 1, max: 10), default: 3),
    Field(
      "added",
      .object([
        Field("window", .int(min: 1, max: 30), default: 7, keyNeutral: true),
        Field("width", .int(min: 1, max: 64), default: 32, keyNeutral: true),
      ])),
  ]

  @Test("Omitted, a key-neutral field reads its default and leaves the resolved settings as before the field existed")
  func omitted() throws {
    let s = try ValidatedSettings(.null, schema: Self.fields)
    #expect(try s.int("added.window") == 7)
    #expect(try s.int("added.width") == 32)
    #expect(s.value == ["count": 3], "neither the fields nor their empty object are resolved")
  }

  @Test("Written, a key-neutral field is part of the resolved settings (and so of the trial key)")
  func written() throws {
    let s = try ValidatedSettings(["added": ["window": 14]], schema: Self.fields)
    #expect(try s.int("added.window") == 14)
    #expect(try s.int("added.width") == 32)
    #expect(s.value == ["count": 3, "added": ["window": 14]])
  }

  @Test("A key-neutral field needs a default of its own and no default path")
  func declaration() {
    #expect(Schema.declarationProblems(Self.fields).isEmpty)
    let bad: [Field] = [
      Field("n", .int(min: 0, max: 5), default: 1),
      Field("a", .int(min: 0, max: 5), keyNeutral: true),
      Field("b", .int(min: 0, max: 5), defaultPath: "n", keyNeutral: true),
    ]
    #expect(
      Schema.declarationProblems(bad) == [
        "'a' is key-neutral, so it needs a default of its own and no default path",
        "'b' is key-neutral, so it needs a default of its own and no default path",
      ])
  }
}

/// Almanac's version: shown by `almanac --version`, recorded with every run and in every store it writes.
public enum AlmanacVersion {
  public static let current = "0.2.0"
}

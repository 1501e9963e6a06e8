public enum StreamGenInfo { public static let version = "0.1.0" }

import CPQ
import Columnar
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a `--sink postgres://…` run loads: the connection string libpq is given and the schema
/// the tables go into.
///
/// `postgres://user[:password]@host[:port]/database[?schema=NAME&…]`, or `postgresql://`. The
/// query's `schema` is StreamGen's (default `public`); every other parameter is libpq's
/// (`sslmode`, `host=/path/to/socket`, `connect_timeout`, …).
public struct PostgresTarget: Sendable, Hashable, CustomStringConvertible {
    /// The URL as given.
    public let url: String
    public let schema: String
    /// The URL libpq connects with: `schema` taken out, `application_name` added.
    let connectionURL: String

    public init(parsing url: String) throws(GenerateError) {
        let text = url.trimmingCharacters(in: " ")
        guard text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") else {
            throw .invalidOption("--sink '\(Self.redact(text))': expected postgres://user@host:port/database[?schema=NAME]")
        }
        var base = text
        var parameters: [(String, String)] = []
        if let q = text.firstIndex(of: "?") {
            base = String(text[..<q])
            for pair in text[text.index(after: q)...].split(separator: "&") where !pair.isEmpty {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard parts.count == 2, !parts[0].isEmpty else {
                    throw .invalidOption("--sink '\(Self.redact(text))': the query parameter '\(pair)' is not NAME=VALUE")
                }
                parameters.append((String(parts[0]), String(parts[1])))
            }
        }
        var schema = "public"
        if let s = parameters.first(where: { $0.0 == "schema" }) {
            guard !s.1.isEmpty, s.1.utf8.count <= 63 else { throw .invalidOption("--sink: schema '\(s.1)' must have 1 to 63 bytes") }
            schema = s.1
        }
        parameters.removeAll { $0.0 == "schema" }
        if !parameters.contains(where: { $0.0 == "application_name" }) { parameters.append(("application_name", "streamgen")) }
        self.url = text
        self.schema = schema
        self.connectionURL = base + "?" + parameters.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }

    /// The URL without its password, for messages.
    public var description: String { Self.redact(url) }

    static func redact(_ url: String) -> String {
        let chars = Array(url)
        guard let slash = (0..<max(chars.count - 2, 0)).first(where: { chars[$0] == ":" && chars[$0 + 1] == "/" && chars[$0 + 2] == "/" }) else { return url }
        let start = slash + 3
        guard let at = chars[start...].firstIndex(where: { $0 == "@" }),
              let colon = chars[start..<at].firstIndex(where: { $0 == ":" }) else { return url }
        return String(chars[..<colon]) + ":***" + String(chars[at...])
    }
}

/// An error the server or libpq reported: the message, and the SQLSTATE when the server sent one.
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    public let message: String
    /// The five-character SQLSTATE (`23505` unique violation, `42P07` duplicate table, …).
    public let sqlState: String?
    public let detail: String?

    public var description: String {
        var text = message
        if let detail, !detail.isEmpty { text += " (\(detail))" }
        return text
    }
}

/// The rows of a query, every value as the server's text (nil for NULL).
public struct PostgresRows: Sendable {
    public var columns: [String]
    public var rows: [[String?]]

    public var first: [String?]? { rows.first }
}

/// One libpq connection, used by one thread at a time.
final class PostgresConnection: @unchecked Sendable {
    private let handle: OpaquePointer
    let target: PostgresTarget

    init(_ target: PostgresTarget) throws(GenerateError) {
        self.target = target
        guard let handle = PQconnectdb(target.connectionURL) else {
            throw .runFailed("PostgreSQL at \(target): libpq could not allocate a connection")
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = Self.clean(String(cString: PQerrorMessage(handle)))
            PQfinish(handle)
            throw .runFailed("cannot connect to PostgreSQL at \(target): \(message)")
        }
        // The server's notices ("schema … already exists, skipping") are not the user's business.
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
        self.handle = handle
    }

    deinit { PQfinish(handle) }

    /// Runs `sql` (one or more statements, no parameters); returns the last statement's rows.
    @discardableResult
    func execute(_ sql: String) throws(PostgresError) -> PostgresRows {
        try result(PQexec(handle, sql))
    }

    /// Runs one statement with text parameters `$1…`.
    @discardableResult
    func execute(_ sql: String, _ parameters: [String?]) throws(PostgresError) -> PostgresRows {
        let copies: [UnsafeMutablePointer<CChar>?] = parameters.map { $0.map { strdup($0) } ?? nil }
        defer { for p in copies { free(p) } }
        let params: [UnsafePointer<CChar>?] = copies.map { $0.map { UnsafePointer($0) } }
        let pointer = PQexecParams(handle, sql, Int32(parameters.count), nil, params, nil, nil, 0)
        return try result(pointer)
    }

    /// Sends `data` (a whole binary COPY stream) through `COPY … FROM STDIN`.
    func copy(_ statement: String, data: [UInt8]) throws(PostgresError) {
        try copy(statement) { (put) throws(PostgresError) in
            data.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let n = min(1 << 20, buffer.count - offset)
                    guard put(UnsafeRawBufferPointer(rebasing: buffer[offset..<offset + n])) else { return }
                    offset += n
                }
            }
        }
    }

    /// Runs `COPY … FROM STDIN` with the stream `produce` hands to `put` piece by piece (`put`
    /// returns false once the connection failed: `produce` should stop then).
    func copy(_ statement: String, produce: ((UnsafeRawBufferPointer) -> Bool) throws(PostgresError) -> Void) throws(PostgresError) {
        guard let start = PQexec(handle, statement) else { throw connectionError() }
        let status = PQresultStatus(start)
        if status != PGRES_COPY_IN {
            defer { PQclear(start) }
            throw Self.error(start, fallback: connectionError())
        }
        PQclear(start)
        var sent = true
        var produced: PostgresError?
        do {
            try produce { piece in
                guard sent else { return false }
                if !piece.isEmpty, PQputCopyData(handle, piece.baseAddress!.assumingMemoryBound(to: CChar.self), Int32(piece.count)) != 1 { sent = false }
                return sent
            }
        } catch {
            produced = error
        }
        if !sent || produced != nil {
            _ = PQputCopyEnd(handle, produced.map { "\($0)" } ?? "the client could not send")
        } else if PQputCopyEnd(handle, nil) != 1 {
            throw connectionError()
        }
        var failure: PostgresError?
        while let r = PQgetResult(handle) {
            if PQresultStatus(r) != PGRES_COMMAND_OK && failure == nil { failure = Self.error(r, fallback: connectionError()) }
            PQclear(r)
        }
        if let produced { throw produced }
        if let failure { throw failure }
        if !sent { throw connectionError() }
    }

    /// Whether the connection is still usable.
    var isOK: Bool { PQstatus(handle) == CONNECTION_OK }

    private func result(_ pointer: OpaquePointer?) throws(PostgresError) -> PostgresRows {
        guard let pointer else { throw connectionError() }
        defer { PQclear(pointer) }
        let status = PQresultStatus(pointer)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else { throw Self.error(pointer, fallback: connectionError()) }
        let fields = Int(PQnfields(pointer))
        let count = Int(PQntuples(pointer))
        var rows = PostgresRows(columns: (0..<fields).map { String(cString: PQfname(pointer, Int32($0))) }, rows: [])
        rows.rows.reserveCapacity(count)
        for r in 0..<count {
            rows.rows.append((0..<fields).map { f in
                PQgetisnull(pointer, Int32(r), Int32(f)) == 1 ? nil : String(cString: PQgetvalue(pointer, Int32(r), Int32(f)))
            })
        }
        return rows
    }

    private func connectionError() -> PostgresError {
        let message = Self.clean(String(cString: PQerrorMessage(handle)))
        return PostgresError(message: message.isEmpty ? "the connection to the server was lost" : message, sqlState: nil, detail: nil)
    }

    private static func error(_ result: OpaquePointer, fallback: PostgresError) -> PostgresError {
        func field(_ code: Character) -> String? {
            guard let p = PQresultErrorField(result, Int32(code.asciiValue!)) else { return nil }
            return String(cString: p)
        }
        guard let message = field("M") else { return fallback }
        return PostgresError(message: message, sqlState: field("C"), detail: field("D"))
    }

    /// libpq's message on one line.
    static func clean(_ message: String) -> String {
        message.split(whereSeparator: \.isNewline).map { String($0).trimmingCharacters(in: " \t") }.filter { !$0.isEmpty }.joined(separator: "; ")
    }
}

/// `"name"`: an identifier quoted for SQL.
func quoteIdentifier(_ name: String) -> String {
    "\"" + name.replacingAll("\"", with: "\"\"") + "\""
}

/// `-- text` on one line: a control character (a YAML schema's name may hold a line break) is a
/// space, so nothing of `text` can end the comment and become a statement of the script.
func sqlComment(_ text: String) -> String {
    "-- " + String(String.UnicodeScalarView(text.unicodeScalars.map {
        $0.properties.generalCategory == .control || $0 == "\u{2028}" || $0 == "\u{2029}" ? " " : $0
    }))
}

/// `'text'`: a string literal for SQL (standard_conforming_strings, on since PostgreSQL 9.1).
func quoteLiteral(_ text: String) -> String {
    "'" + text.replacingAll("'", with: "''") + "'"
}

extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        out.reserveCapacity(utf8.count)
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}

import Columnar
import StreamGen

/// The events-like table of the writer benchmark: 3 high-cardinality 36-character ids, 4
/// low-cardinality strings, a JSON string of 40–80 bytes, a timestamp, a DECIMAL(10,2) and a
/// nullable string. Seeded, so every run writes the same rows.
struct EventsTable {
    static let eventTypes = [
        "page_view", "search", "search_click", "browse_category", "view_product", "add_to_cart",
        "remove_from_cart", "checkout_started", "checkout_completed", "checkout_abandoned", "login",
        "signup", "logout", "error",
    ]
    static let devices = ["mobile", "desktop", "tablet"]
    static let countries = [
        "US", "GB", "DE", "FR", "CA", "AU", "NL", "ES", "IT", "SE", "BR", "MX", "IN", "JP", "PL", "IE", "BE", "CH", "AT", "DK",
    ]
    static let browsers = ["chrome", "safari", "firefox", "edge", "samsung", "opera"]
    static let referrers = (0..<40).map { "https://www.example\($0 % 7).com/landing/\($0)?utm_source=ads" }

    /// How low-cardinality columns reach the writer.
    enum LowCardinality: String, CaseIterable {
        /// As codes into a `ValueDictionary`: how StreamGen's generators hand them over.
        case coded
        /// As strings, dictionary-encoded by the writer's hash table.
        case hashed
    }

    let schema: Schema

    init(lowCardinality: LowCardinality) throws {
        func category(_ name: String, _ values: [String]) throws -> Column {
            lowCardinality == .coded
                ? Column(name, .string, dictionary: try ValueDictionary(values)) : Column(name, .string)
        }
        schema = try Schema([
            Column("event_id", .uuid(.string)),
            Column("user_id", .uuid(.string)),
            Column("session_id", .uuid(.string)),
            try category("event_type", Self.eventTypes),
            try category("device_type", Self.devices),
            try category("country", Self.countries),
            try category("browser", Self.browsers),
            Column("event_properties", .json),
            Column("created_at", .timestampUTC),
            Column("amount", .decimal(precision: 10, scale: 2)),
            Column("referrer", .string, .optional),
        ])
    }

    /// Fills `count` chunks of `capacity` rows; chunk `k` holds rows `k × capacity …`.
    func makeChunks(rows: Int, capacity: Int, seed: UInt64) -> [Chunk] {
        var chunks: [Chunk] = []
        var rng = SplitMix64(state: seed)
        var start = 0
        var scratch: [UInt8] = []
        scratch.reserveCapacity(128)
        while start < rows {
            let n = min(capacity, rows - start)
            var chunk = Chunk(schema: schema, capacity: n)
            for row in start..<(start + n) {
                for c in 0..<3 {
                    scratch.removeAll(keepingCapacity: true)
                    appendUUIDv4(rng.next(), rng.next(), to: &scratch)
                    scratch.withUnsafeBytes { chunk.columns[c].append(bytes: $0) }
                }
                appendCategory(&chunk.columns[3], Self.eventTypes, Int(rng.next() % UInt64(Self.eventTypes.count)))
                appendCategory(&chunk.columns[4], Self.devices, [0, 0, 0, 0, 0, 1, 1, 1, 2, 0][Int(rng.next() % 10)])
                appendCategory(&chunk.columns[5], Self.countries, Int(rng.next() % 64) % Self.countries.count)
                appendCategory(&chunk.columns[6], Self.browsers, Int(rng.next() % UInt64(Self.browsers.count)))
                scratch.removeAll(keepingCapacity: true)
                scratch.append(contentsOf: #"{"page":"/p/"#.utf8)
                appendDecimalDigits(Int64(rng.next() % 100_000), to: &scratch)
                scratch.append(contentsOf: #"","ms":"#.utf8)
                appendDecimalDigits(Int64(rng.next() % 10_000), to: &scratch)
                if rng.next() % 2 == 0 { scratch.append(contentsOf: #","q":"running shoes size 42""#.utf8) }
                scratch.append(UInt8(ascii: "}"))
                scratch.withUnsafeBytes { chunk.columns[7].append(bytes: $0) }
                chunk.columns[8].append(Int64(1_704_067_200_000_000 + row * 86_400_000_000 / 70_000 + Int(rng.next() % 1_000_000)))
                chunk.columns[9].append(Int64(rng.next() % 50_000) + 99)
                if rng.next() % 5 < 3 {
                    chunk.columns[10].appendNull()
                } else {
                    chunk.columns[10].append(Self.referrers[Int(rng.next() % UInt64(Self.referrers.count))])
                }
            }
            chunks.append(chunk)
            start += n
        }
        return chunks
    }

    private func appendCategory(_ buffer: inout ColumnBuffer, _ values: [String], _ index: Int) {
        if buffer.column.dictionary != nil {
            buffer.appendCode(UInt32(index))
        } else {
            buffer.append(values[index])
        }
    }

    /// The bytes of the values themselves (no lengths, no levels): what "uncompressed column data" means.
    static func rawBytes(_ chunks: [Chunk]) -> Int {
        chunks.reduce(0) { total, chunk in chunk.columns.reduce(total) { $0 + $1.valueByteCount } }
    }
}

/// Appends a version-4 UUID made of two random words, in canonical text form.
func appendUUIDv4(_ high: UInt64, _ low: UInt64, to out: inout [UInt8]) {
    var raw = (high.bigEndian, low.bigEndian)
    withUnsafeMutableBytes(of: &raw) { bytes in
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        appendUUID(UnsafeRawBufferPointer(bytes), to: &out)
    }
}

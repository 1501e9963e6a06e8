import Columnar

/// Fills one column of a chunk from its generator: the type dispatch happens once per column
/// and chunk, the row loop is straight.
enum ChunkFiller {
    static func fill(_ buffer: inout ColumnBuffer, _ c: CompiledColumn, rows: UnsafeBufferPointer<Int>) {
        let g = c.generator
        let nullRate = c.spec.nullRate
        let nullKey = c.nullKey
        let quotas = c.nullQuotas
        let generatorNulls = g.canBeNull
        @inline(__always) func isNull(_ row: Int) -> Bool {
            if nullRate > 0 {
                var rng = nullKey.cell(row)
                if rng.nextDouble() < nullRate { return true }
            }
            if !quotas.isEmpty && quotas.contains(where: { $0.contains(row) }) { return true }
            return generatorNulls && g.isNull(row)
        }
        let column = buffer.column
        if column.dictionary != nil {
            for row in rows {
                if isNull(row) { buffer.appendNull() } else { buffer.appendCode(UInt32(truncatingIfNeeded: g.code(row))) }
            }
            return
        }
        let isDouble = g.kind == .double
        switch column.type {
        case .boolean:
            for row in rows { if isNull(row) { buffer.appendNull() } else { buffer.append(g.int64(row) != 0) } }
        case .int32:
            for row in rows {
                if isNull(row) { buffer.appendNull(); continue }
                let v = isDouble ? clampToInt64(g.double(row).rounded()) : g.int64(row)
                buffer.append(Int32(clamping: v))
            }
        case .int64:
            for row in rows {
                if isNull(row) { buffer.appendNull(); continue }
                buffer.append(isDouble ? clampToInt64(g.double(row).rounded()) : g.int64(row))
            }
        case .double:
            for row in rows { if isNull(row) { buffer.appendNull() } else { buffer.append(g.double(row)) } }
        case .decimal(let precision, let scale):
            let factor = Generator.powersOf10[scale]
            let limit = Int64(Generator.powersOf10[precision]) - 1
            for row in rows {
                if isNull(row) { buffer.appendNull(); continue }
                let unscaled = isDouble
                    ? clampToInt64((g.double(row) * factor).rounded())
                    : clampToInt64(Double(g.int64(row)) * factor)
                let v = min(max(unscaled, -limit), limit)
                if precision <= 9 { buffer.append(Int32(v)) } else { buffer.append(v) }
            }
        case .date:
            for row in rows { if isNull(row) { buffer.appendNull() } else { buffer.append(Int32(clamping: g.int64(row))) } }
        case .timestamp:
            for row in rows { if isNull(row) { buffer.appendNull() } else { buffer.append(g.int64(row)) } }
        case .uuid(.string):
            for row in rows {
                if isNull(row) { buffer.appendNull(); continue }
                buffer.appendBuilding { appendUUIDText(g.uuid(row), to: &$0) }
            }
        case .uuid(.fixed16):
            for row in rows {
                if isNull(row) { buffer.appendNull(); continue }
                let (high, low) = g.uuid(row)
                withUnsafeBytes(of: (high.bigEndian, low.bigEndian)) { buffer.append(bytes: $0) }
            }
        case .string, .json, .binary:
            for row in rows {
                if isNull(row) { buffer.appendNull(); continue }
                buffer.appendBuilding { g.appendText(row, to: &$0) }
            }
        case .fixedBinary:
            preconditionFailure("fixed-length binary columns have no generator (rejected when compiling)")
        }
    }

    @inline(__always)
    static func clampToInt64(_ x: Double) -> Int64 {
        x.isNaN ? 0 : Int64(min(max(x, -9.2e18), 9.2e18))
    }
}

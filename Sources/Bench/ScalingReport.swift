import Foundation

/// `report.md` and `scaling.svg` of a scaling series.
struct ScalingReport {
    var pack: String
    var codec: String
    var table: String
    var repeats: Int
    var points: [ScalingPoint]
    var skipped: [String]

    var threadCounts: [Int] { Array(Set(points.map(\.threads))).sorted() }
    var rowCounts: [Int64] { Array(Set(points.map(\.rows))).sorted() }

    func markdown() -> String {
        var md: [String] = []
        md.append("# StreamGen scaling: \(pack) (\(table)), \(codec)")
        md.append("")
        md.append("\(Machine.describe()). Each figure is the median of \(repeats) run(s) by wall time, each run a fresh "
                  + "`streamgen-bench generate` process; peak RSS and CPU are the child's rusage. \"spread\" is the lowest "
                  + "and highest rows/s of the runs.")
        md.append("")
        md.append("![rows/s, peak RSS and stages against rows and threads](scaling.svg)")
        md.append("")
        md.append("| rows | threads | seconds | rows/s | vs 1 thread | s per M rows | uncompressed MB/s | on disk | disk MB/s | peak RSS | CPU/core | spread |")
        md.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for p in points {
            let r = p.result
            md.append("| \(formatCount(Double(p.rows))) | \(p.threads) | \(String(format: "%.2f", p.wallSeconds)) | \(formatCount(p.rowsPerSecond)) | "
                      + "\(String(format: "%.2f×", p.speedup)) | \(String(format: "%.3f", p.wallSeconds / Double(p.rows) * 1e6)) | "
                      + "\(String(format: "%.0f", Double(r.uncompressedBytes) / p.wallSeconds / 1e6)) | \(formatBytes(Double(r.bytes))) | "
                      + "\(String(format: "%.0f", Double(r.bytes) / p.wallSeconds / 1e6)) | \(String(format: "%.0f MiB", Double(p.peakRSS) / 1_048_576)) | "
                      + "\(String(format: "%.0f %%", 100 * p.cpuSeconds / p.wallSeconds / Double(p.threads))) | "
                      + "\(formatCount(p.minRate))–\(formatCount(p.maxRate)) |")
        }
        md.append("")
        md.append("## Linear in rows, flat in memory")
        md.append("")
        for t in threadCounts {
            let series = points.filter { $0.threads == t }
            guard let first = series.first, let last = series.last, series.count > 1 else { continue }
            let perRow = series.map { $0.wallSeconds / Double($0.rows) * 1e6 }
            md.append("- \(t) thread(s): \(series.map { String(format: "%.3f", $0.wallSeconds / Double($0.rows) * 1e6) }.joined(separator: ", ")) "
                      + "seconds per million rows from \(formatCount(Double(first.rows))) to \(formatCount(Double(last.rows))) rows "
                      + "(largest over smallest \(String(format: "%.2f", perRow.max()! / perRow.min()!))×); peak RSS "
                      + "\(series.map { String(format: "%.0f", Double($0.peakRSS) / 1_048_576) }.joined(separator: ", ")) MiB "
                      + "(\(String(format: "%.2f", Double(last.peakRSS) / Double(first.peakRSS)))× for \(String(format: "%.0f", Double(last.rows) / Double(first.rows)))× the rows).")
        }
        md.append("")
        md.append("## Where the time went")
        md.append("")
        md.append("Thread-seconds of each stage as a share of threads × wall, timed inside the run at chunk and page granularity. "
                  + "generating: filling chunks (for ecommerce, the session simulation); encoding: levels, dictionaries, PLAIN/RLE, "
                  + "statistics, headers; compressing: the codec; writing: write(2), close, rename; checksumming: SHA-256 of each "
                  + "file for the manifest; waiting: workers blocked on the ordered sink, or idle while others finish, while one "
                  + "thread runs a serial phase, or with no shard to run (fewer shards than threads); other: the rest.")
        md.append("")
        let names = points[0].result.breakdown.map(\.name)
        md.append("| rows | threads | " + names.joined(separator: " | ") + " |")
        md.append("|---|---|" + names.map { _ in "---|" }.joined())
        for p in points {
            let total = p.result.seconds * Double(p.threads)
            md.append("| \(formatCount(Double(p.rows))) | \(p.threads) | "
                      + p.result.breakdown.map { String(format: "%.1f %%", 100 * $0.seconds / total) }.joined(separator: " | ") + " |")
        }
        if !skipped.isEmpty {
            md.append("")
            for note in skipped { md.append("- \(note)") }
        }
        md.append("")
        return md.joined(separator: "\n")
    }

    // MARK: - Chart

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#7f7f7f"]
    static let stageColors = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#bab0ac"]

    /// Three panels: rows/s against rows, peak RSS against rows (a line per thread count, rows on a
    /// log axis), and the stage shares of each configuration as stacked bars.
    func chart() -> String {
        let panelWidth = 360.0, panelHeight = 260.0, gap = 70.0, left = 70.0, top = 50.0
        let width = left + 3 * panelWidth + 2 * gap + 30
        let height = top + panelHeight + 110
        var svg = SVG(width: width, height: height)
        svg.text(x: left, y: 24, "StreamGen \(pack) (\(table)), \(codec): median of \(repeats), \(Machine.cores) cores", size: 15, weight: "bold")

        let xs = rowCounts.map { log10(Double($0)) }
        let xMin = (xs.min() ?? 6) - 0.15, xMax = (xs.max() ?? 8) + 0.15
        func xPosition(_ rows: Int64, _ origin: Double) -> Double {
            origin + (log10(Double(rows)) - xMin) / max(xMax - xMin, 0.01) * panelWidth
        }

        // Panels 1 and 2: a value against rows, one line per thread count.
        func linePanel(origin: Double, title: String, unit: String, value: (ScalingPoint) -> Double, goal: (Double, String)?) {
            let maxValue = max(points.map(value).max() ?? 1, goal?.0 ?? 0) * 1.15
            let yMax = niceCeiling(maxValue)
            func y(_ v: Double) -> Double { top + panelHeight - v / yMax * panelHeight }
            svg.text(x: origin, y: top - 10, title, size: 13, weight: "bold")
            svg.rect(x: origin, y: top, width: panelWidth, height: panelHeight, fill: "none", stroke: "#999")
            for k in 0...4 {
                let v = yMax * Double(k) / 4
                svg.line(x1: origin, y1: y(v), x2: origin + panelWidth, y2: y(v), stroke: "#e5e5e5")
                svg.text(x: origin - 6, y: y(v) + 4, formatAxis(v) + unit, size: 10, anchor: "end")
            }
            for rows in rowCounts {
                let x = xPosition(rows, origin)
                svg.line(x1: x, y1: top + panelHeight, x2: x, y2: top + panelHeight + 5, stroke: "#999")
                svg.text(x: x, y: top + panelHeight + 18, formatAxis(Double(rows)), size: 10, anchor: "middle")
            }
            svg.text(x: origin + panelWidth / 2, y: top + panelHeight + 34, "rows (log scale)", size: 11, anchor: "middle")
            if let (g, label) = goal {
                svg.line(x1: origin, y1: y(g), x2: origin + panelWidth, y2: y(g), stroke: "#d62728", dash: "5,4")
                svg.text(x: origin + panelWidth - 4, y: y(g) - 4, label, size: 10, anchor: "end", fill: "#d62728")
            }
            for (i, t) in threadCounts.enumerated() {
                let series = points.filter { $0.threads == t }.sorted { $0.rows < $1.rows }
                let color = Self.palette[i % Self.palette.count]
                svg.polyline(series.map { (xPosition($0.rows, origin), y(value($0))) }, stroke: color)
                for p in series {
                    svg.circle(x: xPosition(p.rows, origin), y: y(value(p)), r: 3.5, fill: color)
                    svg.text(x: xPosition(p.rows, origin), y: y(value(p)) - 8, formatAxis(value(p)), size: 9, anchor: "middle", fill: color)
                }
            }
        }
        linePanel(origin: left, title: "rows/s (higher is better)", unit: "", value: { $0.rowsPerSecond }, goal: nil)
        linePanel(origin: left + panelWidth + gap, title: "peak RSS, MiB (flat = bounded memory)", unit: "",
                  value: { Double($0.peakRSS) / 1_048_576 }, goal: (256, "256 MiB goal"))

        // Legend for threads, under the first two panels.
        for (i, t) in threadCounts.enumerated() {
            let x = left + Double(i) * 110
            svg.rect(x: x, y: top + panelHeight + 50, width: 14, height: 4, fill: Self.palette[i % Self.palette.count], stroke: "none")
            svg.text(x: x + 20, y: top + panelHeight + 56, "\(t) thread\(t == 1 ? "" : "s")", size: 11)
        }

        // Panel 3: stacked stage shares per configuration.
        let origin = left + 2 * (panelWidth + gap)
        svg.text(x: origin, y: top - 10, "where the thread time went", size: 13, weight: "bold")
        let barHeight = min(22.0, panelHeight / Double(max(points.count, 1)) - 4)
        let labelWidth = 70.0
        for (row, p) in points.enumerated() {
            let y = top + Double(row) * (barHeight + 4)
            svg.text(x: origin + labelWidth - 6, y: y + barHeight / 2 + 4, "\(formatAxis(Double(p.rows))) × \(p.threads)t", size: 10, anchor: "end")
            let total = p.result.seconds * Double(p.threads)
            var x = origin + labelWidth
            for (k, stage) in p.result.breakdown.enumerated() {
                let w = (panelWidth - labelWidth) * stage.seconds / total
                guard w > 0 else { continue }
                svg.rect(x: x, y: y, width: w, height: barHeight, fill: Self.stageColors[k % Self.stageColors.count], stroke: "none")
                if w > 26 { svg.text(x: x + w / 2, y: y + barHeight / 2 + 4, String(format: "%.0f%%", 100 * stage.seconds / total), size: 9, anchor: "middle", fill: "#fff") }
                x += w
            }
        }
        // Stage legend, wrapped to the panel's width; each entry as wide as its name (~6 px a letter at size 10).
        var legendX = origin, legendY = top + panelHeight + 50
        for (k, stage) in (points.first?.result.breakdown ?? []).enumerated() {
            let width = 16 + 6 * Double(stage.name.count) + 14
            if legendX + width > origin + panelWidth { legendX = origin; legendY += 18 }
            svg.rect(x: legendX, y: legendY - 6, width: 12, height: 10, fill: Self.stageColors[k % Self.stageColors.count], stroke: "none")
            svg.text(x: legendX + 16, y: legendY + 3, stage.name, size: 10)
            legendX += width
        }
        return svg.document
    }

    /// A round axis maximum at or above `v`.
    func niceCeiling(_ v: Double) -> Double {
        guard v > 0 else { return 1 }
        let magnitude = pow(10, floor(log10(v)))
        for step in [1.0, 2.0, 2.5, 5.0, 10.0] where step * magnitude >= v { return step * magnitude }
        return 10 * magnitude
    }

    /// `1.5M`, `999k`, `100M`: three significant digits, no space, for axes and labels.
    func formatAxis(_ v: Double) -> String {
        if v >= 1e6 { return String(format: "%.3gM", v / 1e6) }
        if v >= 1e3 { return String(format: "%.3gk", v / 1e3) }
        return String(format: "%.0f", v)
    }
}

/// A minimal SVG writer: the elements the chart uses, with text escaped.
struct SVG {
    let width: Double
    let height: Double
    private var body: [String] = []

    init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    var document: String {
        """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(f(width))" height="\(f(height))" viewBox="0 0 \(f(width)) \(f(height))" font-family="Helvetica, Arial, sans-serif">
        <rect width="100%" height="100%" fill="#fff"/>
        \(body.joined(separator: "\n"))
        </svg>

        """
    }

    private func f(_ v: Double) -> String { String(format: "%.1f", v) }

    private func escaped(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    mutating func text(x: Double, y: Double, _ s: String, size: Double, anchor: String = "start", weight: String = "normal", fill: String = "#222") {
        body.append("<text x=\"\(f(x))\" y=\"\(f(y))\" font-size=\"\(f(size))\" text-anchor=\"\(anchor)\" font-weight=\"\(weight)\" fill=\"\(fill)\">\(escaped(s))</text>")
    }

    mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String, stroke: String) {
        body.append("<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(width))\" height=\"\(f(height))\" fill=\"\(fill)\" stroke=\"\(stroke)\"/>")
    }

    mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, dash: String? = nil) {
        let d = dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
        body.append("<line x1=\"\(f(x1))\" y1=\"\(f(y1))\" x2=\"\(f(x2))\" y2=\"\(f(y2))\" stroke=\"\(stroke)\"\(d)/>")
    }

    mutating func polyline(_ points: [(Double, Double)], stroke: String) {
        let list = points.map { "\(f($0.0)),\(f($0.1))" }.joined(separator: " ")
        body.append("<polyline points=\"\(list)\" fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"2\"/>")
    }

    mutating func circle(x: Double, y: Double, r: Double, fill: String) {
        body.append("<circle cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"\(f(r))\" fill=\"\(fill)\"/>")
    }
}

/// What the report says of the machine.
enum Machine {
    static var cores: Int { ProcessInfo.processInfo.activeProcessorCount }

    static func describe() -> String {
        var model = "unknown CPU"
        if let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
           let line = info.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
           let colon = line.firstIndex(of: ":") {
            model = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let memory = Double(ProcessInfo.processInfo.physicalMemory) / 1_073_741_824
        let date = ISO8601DateFormatter().string(from: Date()).prefix(10)
        return "Measured \(date) on \(cores) cores (\(model)), \(String(format: "%.0f", memory)) GiB"
    }
}

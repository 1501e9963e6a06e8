#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

import Columnar

/// How fact rows spread over time: relative weights by hour of day, day of week and month of
/// year, holiday multipliers, and a daily growth trend. Only ratios matter; every weight is ≥ 0.
public struct Seasonality: Sendable, Hashable {
    /// 24 weights, hour 0 (midnight UTC) first.
    public var hourOfDay: [Double]
    /// 7 weights, Monday first.
    public var dayOfWeek: [Double]
    /// 12 weights, January first.
    public var monthOfYear: [Double]
    /// Whether US retail holidays scale their day (`Holidays.multiplier`).
    public var holidays: Bool
    /// Growth per day, compounded: 0.001 is about +44% a year.
    public var dailyTrend: Double

    public init(hourOfDay: [Double], dayOfWeek: [Double], monthOfYear: [Double], holidays: Bool, dailyTrend: Double = 0) {
        self.hourOfDay = hourOfDay
        self.dayOfWeek = dayOfWeek
        self.monthOfYear = monthOfYear
        self.holidays = holidays
        self.dailyTrend = dailyTrend
    }

    /// Web traffic: a night trough, a lunchtime shoulder and an evening peak; quieter weekends;
    /// a Q4 lift; holidays on.
    public static let web = Seasonality(
        hourOfDay: [0.35, 0.25, 0.18, 0.15, 0.15, 0.2, 0.35, 0.6, 0.85, 1.0, 1.05, 1.1,
                    1.15, 1.1, 1.05, 1.05, 1.1, 1.2, 1.35, 1.5, 1.55, 1.4, 1.0, 0.6],
        dayOfWeek: [1.05, 1.08, 1.08, 1.05, 1.0, 0.85, 0.82],
        monthOfYear: [0.92, 0.9, 0.95, 0.97, 0.98, 0.96, 0.95, 0.97, 1.0, 1.03, 1.15, 1.25],
        holidays: true
    )

    /// Office hours: weekdays 8:00–18:00 dominate.
    public static let business = Seasonality(
        hourOfDay: [0.05, 0.03, 0.02, 0.02, 0.03, 0.08, 0.2, 0.5, 0.95, 1.2, 1.25, 1.2,
                    1.0, 1.15, 1.2, 1.15, 1.05, 0.85, 0.5, 0.3, 0.2, 0.15, 0.1, 0.07],
        dayOfWeek: [1.0, 1.05, 1.05, 1.0, 0.9, 0.25, 0.2],
        monthOfYear: Array(repeating: 1, count: 12),
        holidays: true
    )

    /// Flat: every hour, day and month alike, no holidays.
    public static let uniform = Seasonality(
        hourOfDay: Array(repeating: 1, count: 24), dayOfWeek: Array(repeating: 1, count: 7),
        monthOfYear: Array(repeating: 1, count: 12), holidays: false
    )

    /// Checks the weight counts and signs; returns a message naming the problem.
    public func problem() -> String? {
        if hourOfDay.count != 24 { return "hour_of_day needs 24 weights, not \(hourOfDay.count)" }
        if dayOfWeek.count != 7 { return "day_of_week needs 7 weights, not \(dayOfWeek.count)" }
        if monthOfYear.count != 12 { return "month_of_year needs 12 weights, not \(monthOfYear.count)" }
        for (name, weights) in [("hour_of_day", hourOfDay), ("day_of_week", dayOfWeek), ("month_of_year", monthOfYear)] {
            if weights.contains(where: { !($0 >= 0) || !$0.isFinite }) { return "\(name) weights must be finite and ≥ 0" }
            if !(weights.reduce(0, +) > 0) { return "\(name) weights must not all be 0" }
        }
        if !dailyTrend.isFinite || dailyTrend <= -1 { return "daily_trend must be finite and above -1" }
        return nil
    }

    /// The logarithm of `weight(day:index:)`, for runs whose trend overflows a double.
    public func logWeight(day: Int64, index: Int) -> Double {
        let (_, month, _) = civilDate(daysSinceEpoch: day)
        let weekday = Int(((day % 7) + 7 + 3) % 7)
        var w = log(dayOfWeek[weekday]) + log(monthOfYear[month - 1])
        if holidays { w += log(Holidays.multiplier(day: day)) }
        if dailyTrend != 0 { w += Double(index) * log1p(dailyTrend) }
        return w
    }

    /// The relative volume of day `day` (days since 1970-01-01), `index` days into the run.
    public func weight(day: Int64, index: Int) -> Double {
        let (_, month, _) = civilDate(daysSinceEpoch: day)
        // 1970-01-01 was a Thursday: Monday-first weekday = (day + 3) mod 7.
        let weekday = Int(((day % 7) + 7 + 3) % 7)
        var w = dayOfWeek[weekday] * monthOfYear[month - 1]
        if holidays { w *= Holidays.multiplier(day: day) }
        if dailyTrend != 0 { w *= pow(1 + dailyTrend, Double(index)) }
        return w
    }
}

/// US retail holidays and their effect on a day's volume.
public enum Holidays {
    /// The multiplier of day `day` (days since 1970-01-01): 1 on ordinary days.
    ///
    /// New Year's Day 0.6, Valentine's Day 1.15, Memorial Day 1.2, Independence Day 0.8, Labor
    /// Day 1.2, Thanksgiving 0.7, Black Friday 2.5, Cyber Monday 2.2, December 1–23 1.3,
    /// Christmas Eve 0.9, Christmas Day 0.5, December 26 1.4, New Year's Eve 0.8.
    public static func multiplier(day: Int64) -> Double {
        let (year, month, dom) = civilDate(daysSinceEpoch: day)
        // Movable days first: Cyber Monday can fall on December 1 or 2.
        let thanksgiving = nthWeekday(year: year, month: 11, weekday: 3, n: 4)  // 4th Thursday
        switch day {
        case nthWeekday(year: year, month: 5, weekday: 0, n: -1): return 1.2  // last Monday of May
        case nthWeekday(year: year, month: 9, weekday: 0, n: 1): return 1.2  // first Monday of September
        case thanksgiving: return 0.7
        case thanksgiving + 1: return 2.5
        case thanksgiving + 4: return 2.2
        default: break
        }
        switch (month, dom) {
        case (1, 1): return 0.6
        case (2, 14): return 1.15
        case (7, 4): return 0.8
        case (12, 24): return 0.9
        case (12, 25): return 0.5
        case (12, 26): return 1.4
        case (12, 31): return 0.8
        case (12, 1...23): return 1.3
        default: return 1
        }
    }

    /// The name of day `day` when it is a named US retail holiday (the December run-up is not).
    public static func name(day: Int64) -> String? {
        let (year, month, dom) = civilDate(daysSinceEpoch: day)
        let thanksgiving = nthWeekday(year: year, month: 11, weekday: 3, n: 4)
        switch day {
        case nthWeekday(year: year, month: 5, weekday: 0, n: -1): return "Memorial Day"
        case nthWeekday(year: year, month: 9, weekday: 0, n: 1): return "Labor Day"
        case thanksgiving: return "Thanksgiving"
        case thanksgiving + 1: return "Black Friday"
        case thanksgiving + 4: return "Cyber Monday"
        default: break
        }
        switch (month, dom) {
        case (1, 1): return "New Year's Day"
        case (2, 14): return "Valentine's Day"
        case (7, 4): return "Independence Day"
        case (12, 24): return "Christmas Eve"
        case (12, 25): return "Christmas Day"
        case (12, 26): return "Boxing Day"
        case (12, 31): return "New Year's Eve"
        default: return nil
        }
    }

    /// The day of the n-th `weekday` (0 = Monday) of a month; n = -1 for the last.
    static func nthWeekday(year: Int64, month: Int, weekday: Int, n: Int) -> Int64 {
        if n < 0 {
            let nextMonth = month == 12 ? daysSinceEpoch(year: year + 1, month: 1, day: 1) : daysSinceEpoch(year: year, month: month + 1, day: 1)
            let last = nextMonth - 1
            let lastWeekday = Int(((last % 7) + 7 + 3) % 7)
            return last - Int64((lastWeekday - weekday + 7) % 7)
        }
        let first = daysSinceEpoch(year: year, month: month, day: 1)
        let firstWeekday = Int(((first % 7) + 7 + 3) % 7)
        return first + Int64((weekday - firstWeekday + 7) % 7) + Int64(7 * (n - 1))
    }
}

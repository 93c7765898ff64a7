//! Numbers as `JSON.parse` and `Number()` read them — rounded to the nearest `f64` — for the one
//! question the core asks of a number: is it an integer in a range, and which (issue 15: decided
//! on the decimal digits, exactly, without `f64::from_str` and its 10 KB table in the module).

/// The integer `text` reads as, rounded to the nearest `f64`, when that is an integer in
/// `[min, max]` (`max` below 2^53). `text` is in Rust's `f64` grammar (`[+-]` digits, `.`,
/// exponent; `inf` and `NaN` read as no integer). Exact but for magnitudes from
/// 2.4703282292062327e-324 to 2^-1075 (more than 17 digits), which read as no integer where
/// `f64` rounds them to 0.
pub(crate) fn integer_in(text: &str, min: u64, max: u64) -> Option<u64> {
    let n = Decimal::parse(text)?.rounded()?;
    (min..=max).contains(&n).then_some(n)
}

/// Whether `text` (valid JSON number syntax) reads as a finite `f64`: below 1.7976931348623158e308
/// in magnitude (the last 2^-53 of the range before overflow is counted as overflowing).
pub(crate) fn finite(text: &str) -> bool {
    let Some(d) = Decimal::parse(text) else { return false };
    match d.point {
        p if p < 309 => true,
        309 => {
            let max = b"17976931348623158".map(|c| c - b'0');
            d.digits_below(&max)
        }
        _ => d.digits.is_empty(),
    }
}

/// `±0.digits × 10^point`, `digits` without leading or trailing zeros (empty: zero).
struct Decimal {
    negative: bool,
    digits: Vec<u8>,
    point: i64,
}

impl Decimal {
    /// Whether the magnitude's digits are below `max`'s (as fractions: same `point`).
    fn digits_below(&self, max: &[u8]) -> bool {
        fraction_cmp(&self.digits, max) == std::cmp::Ordering::Less
    }

    fn parse(text: &str) -> Option<Decimal> {
        let b = text.as_bytes();
        let (negative, b) = match b.first() {
            Some(b'-') => (true, &b[1..]),
            Some(b'+') => (false, &b[1..]),
            _ => (false, b),
        };
        let run = |from: usize| from + b[from..].iter().take_while(|c| c.is_ascii_digit()).count();
        let int_end = run(0);
        let (frac_start, frac_end) = match b.get(int_end) {
            Some(b'.') => (int_end + 1, run(int_end + 1)),
            _ => (int_end, int_end),
        };
        if int_end == 0 && frac_end == frac_start {
            return None; // no digit (also `inf`, `NaN`)
        }
        let mut i = frac_end;
        let mut exp: i64 = 0;
        if matches!(b.get(i), Some(b'e' | b'E')) {
            let sign = match b.get(i + 1) {
                Some(b'-') => -1,
                Some(b'+') => 1,
                _ => 0,
            };
            let start = i + 1 + usize::from(sign != 0);
            let end = run(start);
            if end == start {
                return None;
            }
            for &c in &b[start..end] {
                exp = (exp * 10 + i64::from(c - b'0')).min(1 << 40);
            }
            exp *= if sign < 0 { -1 } else { 1 };
            i = end;
        }
        if i != b.len() {
            return None;
        }
        let mut digits: Vec<u8> =
            b[..int_end].iter().chain(&b[frac_start..frac_end]).map(|c| c - b'0').collect();
        let mut point = int_end as i64 + exp;
        let zeros = digits.iter().take_while(|&&d| d == 0).count();
        digits.drain(..zeros);
        point -= zeros as i64;
        while digits.last() == Some(&0) {
            digits.pop();
        }
        Some(Decimal { negative, digits, point })
    }

    /// The integer the nearest `f64` is, when it is one below 2^53 (`None` otherwise).
    fn rounded(&self) -> Option<u64> {
        let d = &self.digits;
        if d.is_empty() || self.point <= -324 {
            return Some(0); // zero, or below half the smallest subnormal: ±0
        }
        if self.point == -323 {
            // In [1e-324, 1e-323): ±0 below half the smallest subnormal (2^-1075).
            let half = b"24703282292062327".map(|c| c - b'0');
            return self.digits_below(&half).then_some(0);
        }
        if self.negative || self.point > 16 {
            return None; // below zero, or at least 10^16 > 2^53
        }
        if self.point <= 0 {
            // Below 1: only 1 − x ≤ 2^-54 rounds to an integer (1, a tie going to 1.0).
            let frac: Vec<u8> = std::iter::repeat_n(0, self.point.unsigned_abs() as usize)
                .chain(d.iter().copied())
                .collect();
            return (fraction_cmp(&frac, &one_minus_half_ulp(54)) != std::cmp::Ordering::Less)
                .then_some(1);
        }
        let point = self.point as usize;
        let n = (0..point).fold(0u64, |n, i| n * 10 + u64::from(d.get(i).copied().unwrap_or(0)));
        let frac = d.get(point..).unwrap_or_default();
        if n >= 1 << 53 {
            return None;
        }
        if frac.is_empty() {
            return Some(n);
        }
        // x in [2^e, 2^(e+1)): doubles are 2^(e-52) apart; ties go to the even mantissa.
        let e = 63 - n.leading_zeros();
        if e >= 52 {
            return Some(match fraction_cmp(frac, &[5]) {
                std::cmp::Ordering::Less => n,
                std::cmp::Ordering::Greater => n + 1,
                std::cmp::Ordering::Equal => n + (n & 1),
            });
        }
        let k = 53 - e as usize; // half the spacing is 2^-k
        if fraction_cmp(frac, &half_ulp(k)) != std::cmp::Ordering::Greater {
            Some(n) // the tie goes to n: its mantissa is even below 2^52
        } else if fraction_cmp(frac, &one_minus_half_ulp(k)) != std::cmp::Ordering::Less {
            Some(n + 1) // likewise n + 1
        } else {
            None
        }
    }
}

/// The digits after the point of 2^-k (`5^k`, `k` digits).
fn half_ulp(k: usize) -> Vec<u8> {
    let mut digits = vec![1u8]; // 5^k, least significant first
    for _ in 0..k {
        let mut carry = 0;
        for d in &mut digits {
            let v = *d * 5 + carry;
            *d = v % 10;
            carry = v / 10;
        }
        if carry > 0 {
            digits.push(carry);
        }
    }
    digits.resize(k, 0);
    digits.reverse();
    digits
}

/// The digits after the point of 1 − 2^-k (10^k − 5^k: nines' complement, + 1 on the last
/// digit, a 5, so nothing carries).
fn one_minus_half_ulp(k: usize) -> Vec<u8> {
    let mut digits: Vec<u8> = half_ulp(k).iter().map(|d| 9 - d).collect();
    if let Some(last) = digits.last_mut() {
        *last += 1;
    }
    digits
}

/// Compares two digit strings as fractions `0.a` and `0.b`.
fn fraction_cmp(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    let at = |s: &[u8], i: usize| s.get(i).copied().unwrap_or(0);
    (0..a.len().max(b.len()))
        .map(|i| at(a, i).cmp(&at(b, i)))
        .find(|o| o.is_ne())
        .unwrap_or(std::cmp::Ordering::Equal)
}

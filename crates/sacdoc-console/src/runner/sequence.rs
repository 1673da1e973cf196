//! Row numbers checked against their order.
//!
//! A numbered read (`findstr /n`) brings rows in order, each number one more than the last. Line
//! noise can drop, double or change a digit of a number (`155:` arrives as `15:`), and the row's
//! body would then be filed under another row; the verifier would have to outvote it there. The
//! order tells such a number apart: it fits neither neighbour.

/// The rows of one whole read, in the order they came, with each number checked against its
/// neighbours. A number that fits neither takes the place its neighbours leave for it (`14:`
/// then `2:` then `16:` is row 15), or is dropped. A lone row has nothing to check against and
/// is kept.
pub fn in_sequence<T>(rows: Vec<(usize, T)>) -> Vec<(usize, T)> {
    let numbers: Vec<usize> = rows.iter().map(|(n, _)| *n).collect();
    // The number of the row kept before, as placed: a row after a placed one fits it.
    let mut prev: Option<usize> = None;
    let mut kept = Vec::with_capacity(rows.len());
    for (k, (n, body)) in rows.into_iter().enumerate() {
        let before = if k == 0 { None } else { Some(prev) };
        let next = numbers.get(k + 1).copied();
        let fits = prev.is_some_and(|p| p + 1 == n) || next.is_some_and(|x| n + 1 == x);
        let n = match (fits, before, next) {
            (true, _, _) | (false, None, None) => n,
            (false, Some(Some(p)), Some(x)) if p + 2 == x => p + 1,
            _ => continue,
        };
        prev = Some(n);
        kept.push((n, body));
    }
    kept
}

/// The rows of an answer to a request for the rows `wanted` (in any order): only numbers
/// that were asked for, each higher than the one before, since the answer lists them in file
/// order. A number that lost a digit and became another wanted row, or an older one, is dropped.
pub fn among_wanted<T>(rows: Vec<(usize, T)>, wanted: &[usize]) -> Vec<(usize, T)> {
    let mut last = 0;
    rows.into_iter()
        .filter(|(n, _)| {
            let keep = *n > last && wanted.contains(n);
            if keep {
                last = *n;
            }
            keep
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{among_wanted, in_sequence};

    fn numbers(rows: &[(usize, &str)]) -> Vec<usize> {
        rows.iter().map(|(n, _)| *n).collect()
    }

    #[test]
    fn a_number_that_fits_no_neighbour_is_placed_by_them_or_dropped() {
        let rows = vec![
            (13, "a"),
            (14, "b"),
            (5, "c"),
            (16, "d"),
            (177, "e"),
            (188, "f"),
            (19, "g"),
            (20, "h"),
        ];
        let got = in_sequence(rows);
        assert_eq!(numbers(&got), vec![13, 14, 15, 16, 19, 20], "{got:?}");
        assert_eq!(got[2], (15, "c"), "the body stays with its place");
    }

    #[test]
    fn first_last_and_lone_rows() {
        assert_eq!(numbers(&in_sequence(vec![(9, "x"), (2, "a"), (3, "b")])), vec![2, 3]);
        assert_eq!(numbers(&in_sequence(vec![(2, "a"), (3, "b"), (9, "x")])), vec![2, 3]);
        assert_eq!(numbers(&in_sequence(vec![(7, "hash")])), vec![7]);
        assert!(in_sequence(Vec::<(usize, &str)>::new()).is_empty());
    }

    #[test]
    fn an_answer_keeps_only_wanted_rows_in_order() {
        let wanted = [5, 15, 40];
        let rows = vec![(5, "a"), (5, "b"), (15, "c"), (4, "d"), (40, "e"), (41, "f")];
        assert_eq!(numbers(&among_wanted(rows, &wanted)), vec![5, 15, 40]);
        // `15:` that lost its `1` reads as row 5 after row 5 has come: dropped, not filed.
        let rows = vec![(5, "a"), (5, "lost digit"), (40, "e")];
        assert_eq!(among_wanted(rows, &wanted), vec![(5, "a"), (40, "e")]);
    }
}

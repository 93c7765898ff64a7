//! The sequential specification handed to stateright: an append-only list of ids.
//!
//! [`AppendList::invoke`] is the specification itself: `Append(id)` pushes `id` and returns the
//! new list, `Read` returns the list. [`AppendList::is_valid_step`], which stateright's tester
//! calls for every completed op it tries to place next (it is documented as overridable "for
//! efficiency purposes"), accepts a step only if `invoke` would return the recorded result **and**
//! two pruning rules hold. The rules only reject steps after which no complete linearization
//! exists, so the tester's verdict is unchanged; they make its depth-first search keep a single
//! candidate at every level instead of trying every order of commuting reads:
//!
//! * **Reads first.** A read that returned a list of length `k` can only be placed while the list
//!   has length `k`; the list never shrinks, so once an append makes it longer that read can never
//!   be placed. Hence an append is refused while a read of the current length is still unplaced.
//! * **Reads in invocation order.** The reads of one length `k` all sit, in any linearization,
//!   between the append that made the length `k` and the next append, with only such reads in
//!   between. Reordering them by invocation keeps every real-time constraint (if one read returned
//!   before another was invoked, it was also invoked first), so if any order works, invocation
//!   order works. Hence only the earliest-invoked unplaced read of the current length is accepted.
//!
//! With ids unique, at most one append fits the current list (its result is the list plus its own
//! id), so at every point at most one step is accepted and the search is linear in the segment.
//!
//! Every step attempt is also charged to a shared [`Meter`]; once it is exhausted every step is
//! refused, so the search goes no deeper and unwinds, and the caller reports the call as
//! undecided.

use stateright::semantics::SequentialSpec;
use std::cell::Cell;
use std::collections::HashMap;
use std::rc::Rc;
use std::time::{Duration, Instant};

/// An interned op id.
pub(crate) type Sym = u32;

/// A list value as returned by an op (shared: the tester clones returns a lot).
pub(crate) type List = Rc<[Sym]>;

/// The operations of the specification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ListOp {
    /// Append this id.
    Append(Sym),
    /// A read, identified by its slot (its rank by invocation within the segment).
    Read(usize),
}

/// A step and time budget for one call, shared by the spec objects the tester clones.
#[derive(Debug)]
pub(crate) struct Meter {
    steps: Cell<u64>,
    max_steps: u64,
    deadline: Option<Instant>,
    exhausted: Cell<bool>,
}

impl Meter {
    /// A budget of `max_steps` step attempts and `max_time` of wall-clock time from now.
    pub(crate) fn new(max_steps: u64, max_time: Option<Duration>) -> Self {
        Self {
            steps: Cell::new(0),
            max_steps,
            deadline: max_time.and_then(|t| Instant::now().checked_add(t)),
            exhausted: Cell::new(false),
        }
    }

    /// Charges one step; false once the budget is exhausted.
    fn charge(&self) -> bool {
        if self.exhausted.get() {
            return false;
        }
        let steps = self.steps.get() + 1;
        self.steps.set(steps);
        // A clock read costs little next to one step of the tester (which clones its remaining
        // history), so the deadline is checked at every step.
        let out_of_time = self.deadline.is_some_and(|deadline| Instant::now() >= deadline);
        if steps > self.max_steps || out_of_time {
            self.exhausted.set(true);
        }
        !self.exhausted.get()
    }

    /// Whether the budget ran out (so a failed search proves nothing).
    pub(crate) fn exhausted(&self) -> bool {
        self.exhausted.get()
    }
}

/// The register's state plus the bookkeeping of the pruning rules.
#[derive(Clone, Debug)]
pub(crate) struct AppendList {
    items: Vec<Sym>,
    /// How many reads of the current length have been placed.
    reads_placed: usize,
    /// Read slots by the length they returned, each in invocation order.
    reads_by_len: Rc<HashMap<usize, Vec<usize>>>,
    meter: Rc<Meter>,
}

impl AppendList {
    /// The list `items`, for a segment whose reads returned lists of the lengths `read_lens`
    /// (indexed by read slot).
    pub(crate) fn new(items: Vec<Sym>, read_lens: &[usize], meter: Rc<Meter>) -> Self {
        let mut reads_by_len: HashMap<usize, Vec<usize>> = HashMap::new();
        for (slot, &len) in read_lens.iter().enumerate() {
            reads_by_len.entry(len).or_default().push(slot);
        }
        Self { items, reads_placed: 0, reads_by_len: Rc::new(reads_by_len), meter }
    }

    /// The reads that must be placed while the list has its current length.
    fn reads_here(&self) -> &[usize] {
        self.reads_by_len.get(&self.items.len()).map_or(&[], Vec::as_slice)
    }
}

impl SequentialSpec for AppendList {
    type Op = ListOp;
    type Ret = List;

    fn invoke(&mut self, op: &ListOp) -> List {
        if let ListOp::Append(id) = op {
            self.items.push(*id);
            self.reads_placed = 0;
        }
        self.items.as_slice().into()
    }

    fn is_valid_step(&mut self, op: &ListOp, ret: &List) -> bool {
        if !self.meter.charge() {
            return false;
        }
        match *op {
            ListOp::Append(id) => {
                let n = self.items.len();
                let fits = ret.len() == n + 1 && ret[..n] == self.items[..] && ret[n] == id;
                if !fits || self.reads_placed < self.reads_here().len() {
                    return false;
                }
                self.items.push(id);
                self.reads_placed = 0;
                true
            }
            ListOp::Read(slot) => {
                if self.reads_here().get(self.reads_placed) != Some(&slot) || **ret != self.items {
                    return false;
                }
                self.reads_placed += 1;
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: &[Sym]) -> List {
        items.into()
    }

    #[test]
    fn invoke_is_the_plain_append_list() {
        let meter = Rc::new(Meter::new(u64::MAX, None));
        let mut s = AppendList::new(vec![7], &[], meter);
        assert_eq!(s.invoke(&ListOp::Append(8)), list(&[7, 8]));
        assert_eq!(s.invoke(&ListOp::Read(0)), list(&[7, 8]));
    }

    #[test]
    fn an_append_waits_for_the_reads_of_the_current_length() {
        let meter = Rc::new(Meter::new(u64::MAX, None));
        // Slot 0 read `[]`, slot 1 read `[1]`.
        let s = AppendList::new(vec![], &[0, 1], meter);
        assert!(!s.clone().is_valid_step(&ListOp::Append(1), &list(&[1])));
        assert!(!s.clone().is_valid_step(&ListOp::Read(1), &list(&[1])));
        let mut s = s;
        assert!(s.is_valid_step(&ListOp::Read(0), &list(&[])));
        assert!(!s.clone().is_valid_step(&ListOp::Append(2), &list(&[1])));
        assert!(s.is_valid_step(&ListOp::Append(1), &list(&[1])));
        assert!(s.is_valid_step(&ListOp::Read(1), &list(&[1])));
    }

    #[test]
    fn an_exhausted_meter_refuses_everything() {
        let meter = Rc::new(Meter::new(1, None));
        let mut s = AppendList::new(vec![], &[], meter.clone());
        assert!(s.is_valid_step(&ListOp::Append(1), &list(&[1])));
        assert!(!s.is_valid_step(&ListOp::Append(2), &list(&[1, 2])));
        assert!(meter.exhausted());
    }
}

//! Maximum-weight matching on general graphs: Edmonds' blossom algorithm with dual variables,
//! in the O(n³) primal–dual form of Galil ("Efficient algorithms for finding maximum matching
//! in graphs", ACM Computing Surveys 1986), on sparse edge lists with integer weights.
//!
//! Integer weights keep every dual variable integral (slacks are kept doubled), so optimality is
//! exact, never up to a float tolerance. Each stage grows alternating trees from every exposed
//! vertex at once and ends with one augmentation; between augmentations the duals move by the
//! least of four slacks (Galil's δ₁…δ₄).
//!
//! The spin-glass solver needs a *minimum-weight perfect* matching; [`min_weight_perfect`]
//! reduces it to a maximum-cardinality maximum-weight matching on negated weights.

const NONE: usize = usize::MAX;

/// Edges are `(u, v, weight)` with `u ≠ v`; returns `mate[v]`, the vertex matched to `v`.
/// With `max_cardinality` the matching has the largest possible number of edges and, among
/// those, the largest weight.
pub fn max_weight_matching(n: usize, edges: &[(usize, usize, i64)], max_cardinality: bool) -> Vec<Option<usize>> {
    if edges.is_empty() {
        return vec![None; n];
    }
    let mut m = Matcher::new(n, edges);
    m.solve(max_cardinality);
    m.mate
        .iter()
        .map(|&p| if p == NONE { None } else { Some(m.endpoint[p]) })
        .collect()
}

/// Minimum-weight perfect matching, or `None` when the graph has no perfect matching.
pub fn min_weight_perfect(n: usize, edges: &[(usize, usize, i64)]) -> Option<Vec<usize>> {
    if n == 0 {
        return Some(Vec::new());
    }
    if n % 2 == 1 {
        return None;
    }
    let top = edges.iter().map(|e| e.2).max()?;
    // Every perfect matching has n/2 edges, so maximising Σ (top + 1 − w) minimises Σ w; the
    // shift keeps the weights positive, which the algorithm's initial duals assume.
    let flipped: Vec<(usize, usize, i64)> = edges.iter().map(|&(u, v, w)| (u, v, top + 1 - w)).collect();
    let mut m = Matcher::new(n, &flipped);
    m.warm_start();
    m.solve(true);
    m.mate.iter().map(|&p| (p != NONE).then(|| m.endpoint[p])).collect()
}

struct Matcher<'a> {
    n: usize,
    edges: &'a [(usize, usize, i64)],
    /// `endpoint[2k]`, `endpoint[2k + 1]`: the two ends of edge `k`.
    endpoint: Vec<usize>,
    /// For each vertex, the remote endpoints `p` of its edges.
    neighbend: Vec<Vec<usize>>,
    /// Remote endpoint of the matched edge of each vertex.
    mate: Vec<usize>,
    /// For top-level blossoms and vertices: 0 free, 1 S (outer), 2 T (inner); bit 4 marks a
    /// blossom visited by `scan_blossom`.
    label: Vec<u8>,
    labelend: Vec<usize>,
    inblossom: Vec<usize>,
    blossomparent: Vec<usize>,
    blossomchilds: Vec<Vec<usize>>,
    blossombase: Vec<usize>,
    blossomendps: Vec<Vec<usize>>,
    bestedge: Vec<usize>,
    blossombestedges: Vec<Option<Vec<usize>>>,
    unused: Vec<usize>,
    dualvar: Vec<i64>,
    allowedge: Vec<bool>,
    queue: Vec<usize>,
    /// Scratch for `add_blossom`: least-slack edge to each neighbouring S-blossom.
    bestedgeto: Vec<usize>,
}

impl<'a> Matcher<'a> {
    fn new(n: usize, edges: &'a [(usize, usize, i64)]) -> Self {
        let mut endpoint = Vec::with_capacity(2 * edges.len());
        let mut neighbend = vec![Vec::new(); n];
        for (k, &(u, v, _)) in edges.iter().enumerate() {
            debug_assert!(u != v && u < n && v < n);
            endpoint.push(u);
            endpoint.push(v);
            neighbend[u].push(2 * k + 1);
            neighbend[v].push(2 * k);
        }
        let maxweight = edges.iter().map(|e| e.2).max().unwrap_or(0).max(0);
        let mut dualvar = vec![maxweight; n];
        dualvar.extend(std::iter::repeat_n(0, n));
        Self {
            n,
            edges,
            endpoint,
            neighbend,
            mate: vec![NONE; n],
            label: vec![0; 2 * n],
            labelend: vec![NONE; 2 * n],
            inblossom: (0..n).collect(),
            blossomparent: vec![NONE; 2 * n],
            blossomchilds: vec![Vec::new(); 2 * n],
            blossombase: (0..n).chain(std::iter::repeat_n(NONE, n)).collect(),
            blossomendps: vec![Vec::new(); 2 * n],
            bestedge: vec![NONE; 2 * n],
            blossombestedges: vec![None; 2 * n],
            unused: (n..2 * n).rev().collect(),
            dualvar,
            allowedge: vec![false; edges.len()],
            queue: Vec::new(),
            bestedgeto: vec![NONE; 2 * n],
        }
    }

    /// For perfect matchings only: each vertex's dual starts at its heaviest incident edge and
    /// mutually heaviest edges are matched greedily. Duals stay feasible and matched edges tight,
    /// which is all a perfect matching's optimality needs (unlike a maximum-weight matching,
    /// whose exposed vertices must share one dual), and most vertices start matched.
    fn warm_start(&mut self) {
        for v in 0..self.n {
            self.dualvar[v] = self.neighbend[v]
                .iter()
                .map(|&p| self.edges[p / 2].2)
                .max()
                .unwrap_or(0);
        }
        for k in 0..self.edges.len() {
            let (i, j, _) = self.edges[k];
            if self.mate[i] == NONE && self.mate[j] == NONE && self.slack(k) == 0 {
                self.mate[i] = 2 * k + 1;
                self.mate[j] = 2 * k;
            }
        }
        // Exposed vertices are tree roots; with one shared dual every tree's vertices share its
        // parity (tight edges preserve it), so slacks between outer vertices stay even and δ₃
        // stays integral. Raising a dual only adds slack, so feasibility holds.
        let top = (0..self.n)
            .filter(|&v| self.mate[v] == NONE)
            .map(|v| self.dualvar[v])
            .max()
            .unwrap_or(0);
        for v in 0..self.n {
            if self.mate[v] == NONE {
                self.dualvar[v] = top;
            }
        }
    }

    #[inline]
    fn slack(&self, k: usize) -> i64 {
        let (i, j, w) = self.edges[k];
        self.dualvar[i] + self.dualvar[j] - 2 * w
    }

    fn leaves(&self, b: usize, out: &mut Vec<usize>) {
        out.clear();
        let mut stack = vec![b];
        while let Some(t) = stack.pop() {
            if t < self.n {
                out.push(t);
            } else {
                stack.extend(self.blossomchilds[t].iter().rev());
            }
        }
    }

    fn leaves_of(&self, b: usize) -> Vec<usize> {
        let mut v = Vec::new();
        self.leaves(b, &mut v);
        v
    }

    fn assign_label(&mut self, mut w: usize, mut t: u8, mut p: usize) {
        loop {
            let b = self.inblossom[w];
            debug_assert!(self.label[w] == 0 && self.label[b] == 0);
            self.label[w] = t;
            self.label[b] = t;
            self.labelend[w] = p;
            self.labelend[b] = p;
            self.bestedge[w] = NONE;
            self.bestedge[b] = NONE;
            if t == 1 {
                let leaves = self.leaves_of(b);
                self.queue.extend(leaves);
                return;
            }
            // A T-blossom's base is matched; its mate becomes an S-vertex.
            let base = self.blossombase[b];
            let mp = self.mate[base];
            debug_assert!(mp != NONE);
            w = self.endpoint[mp];
            t = 1;
            p = mp ^ 1;
        }
    }

    /// Traces back from `v` and `w` (both S); returns the base of a new blossom or `NONE` when
    /// the two trees differ (an augmenting path).
    fn scan_blossom(&mut self, mut v: usize, mut w: usize) -> usize {
        let mut path = Vec::new();
        let mut base = NONE;
        while v != NONE {
            let mut b = self.inblossom[v];
            if self.label[b] & 4 != 0 {
                base = self.blossombase[b];
                break;
            }
            debug_assert_eq!(self.label[b], 1);
            path.push(b);
            self.label[b] = 5;
            if self.labelend[b] == NONE {
                v = NONE;
            } else {
                v = self.endpoint[self.labelend[b]];
                b = self.inblossom[v];
                debug_assert_eq!(self.label[b], 2);
                v = self.endpoint[self.labelend[b]];
            }
            if w != NONE {
                std::mem::swap(&mut v, &mut w);
            }
        }
        for b in path {
            self.label[b] = 1;
        }
        base
    }

    fn add_blossom(&mut self, base: usize, k: usize) {
        let (mut v, mut w, _) = self.edges[k];
        let bb = self.inblossom[base];
        let mut bv = self.inblossom[v];
        let mut bw = self.inblossom[w];
        let b = self.unused.pop().expect("at most n/2 blossoms exist at once");
        self.blossombase[b] = base;
        self.blossomparent[b] = NONE;
        self.blossomparent[bb] = b;
        let mut path = Vec::new();
        let mut endps = Vec::new();
        while bv != bb {
            self.blossomparent[bv] = b;
            path.push(bv);
            endps.push(self.labelend[bv]);
            v = self.endpoint[self.labelend[bv]];
            bv = self.inblossom[v];
        }
        path.push(bb);
        path.reverse();
        endps.reverse();
        endps.push(2 * k);
        while bw != bb {
            self.blossomparent[bw] = b;
            path.push(bw);
            endps.push(self.labelend[bw] ^ 1);
            w = self.endpoint[self.labelend[bw]];
            bw = self.inblossom[w];
        }
        debug_assert_eq!(self.label[bb], 1);
        self.label[b] = 1;
        self.labelend[b] = self.labelend[bb];
        self.dualvar[b] = 0;
        self.blossomchilds[b] = path.clone();
        self.blossomendps[b] = endps;
        for leaf in self.leaves_of(b) {
            if self.label[self.inblossom[leaf]] == 2 {
                // A former T-vertex is now outer and must be scanned.
                self.queue.push(leaf);
            }
            self.inblossom[leaf] = b;
        }
        let mut touched = Vec::new();
        for &sub in &path {
            let lists: Vec<usize> = match self.blossombestedges[sub].take() {
                Some(list) => list,
                None => self
                    .leaves_of(sub)
                    .into_iter()
                    .flat_map(|leaf| self.neighbend[leaf].iter().map(|p| p / 2))
                    .collect(),
            };
            for kk in lists {
                let (i, j, _) = self.edges[kk];
                let j = if self.inblossom[j] == b { i } else { j };
                let bj = self.inblossom[j];
                if bj != b && self.label[bj] == 1 {
                    let cur = self.bestedgeto[bj];
                    if cur == NONE {
                        touched.push(bj);
                        self.bestedgeto[bj] = kk;
                    } else if self.slack(kk) < self.slack(cur) {
                        self.bestedgeto[bj] = kk;
                    }
                }
            }
            self.bestedge[sub] = NONE;
        }
        let list: Vec<usize> = touched.iter().map(|&t| self.bestedgeto[t]).collect();
        for t in touched {
            self.bestedgeto[t] = NONE;
        }
        let mut best = NONE;
        for &kk in &list {
            if best == NONE || self.slack(kk) < self.slack(best) {
                best = kk;
            }
        }
        self.bestedge[b] = best;
        self.blossombestedges[b] = Some(list);
    }

    fn expand_blossom(&mut self, b: usize, endstage: bool) {
        let childs = std::mem::take(&mut self.blossomchilds[b]);
        for &s in &childs {
            self.blossomparent[s] = NONE;
            if s < self.n {
                self.inblossom[s] = s;
            } else if endstage && self.dualvar[s] == 0 {
                self.expand_blossom(s, endstage);
            } else {
                for leaf in self.leaves_of(s) {
                    self.inblossom[leaf] = s;
                }
            }
        }
        if !endstage && self.label[b] == 2 {
            // The T-blossom's children from the entry child to the base take alternating labels;
            // the rest are released (and relabelled if an S-vertex reaches them).
            let endps = std::mem::take(&mut self.blossomendps[b]);
            let len = childs.len() as isize;
            let at = |j: isize| j.rem_euclid(len) as usize;
            let entrychild = self.inblossom[self.endpoint[self.labelend[b] ^ 1]];
            let mut j = childs.iter().position(|&c| c == entrychild).expect("entry child") as isize;
            let (jstep, endptrick): (isize, usize) = if j & 1 == 1 {
                j -= len;
                (1, 0)
            } else {
                (-1, 1)
            };
            let trick = endptrick as isize;
            let mut p = self.labelend[b];
            while j != 0 {
                let q = self.endpoint[p ^ 1];
                self.label[q] = 0;
                let r = self.endpoint[endps[at(j - trick)] ^ endptrick ^ 1];
                self.label[r] = 0;
                self.assign_label(q, 2, p);
                self.allowedge[endps[at(j - trick)] / 2] = true;
                j += jstep;
                p = endps[at(j - trick)] ^ endptrick;
                self.allowedge[p / 2] = true;
                j += jstep;
            }
            let bv = childs[at(j)];
            let q = self.endpoint[p ^ 1];
            self.label[q] = 2;
            self.label[bv] = 2;
            self.labelend[q] = p;
            self.labelend[bv] = p;
            self.bestedge[bv] = NONE;
            j += jstep;
            while childs[at(j)] != entrychild {
                let bv = childs[at(j)];
                if self.label[bv] == 1 {
                    j += jstep;
                    continue;
                }
                let reached = self.leaves_of(bv).into_iter().find(|&v| self.label[v] != 0);
                if let Some(v) = reached {
                    debug_assert_eq!(self.label[v], 2);
                    debug_assert_eq!(self.inblossom[v], bv);
                    self.label[v] = 0;
                    let mb = self.endpoint[self.mate[self.blossombase[bv]]];
                    self.label[mb] = 0;
                    let le = self.labelend[v];
                    self.assign_label(v, 2, le);
                }
                j += jstep;
            }
        }
        self.label[b] = 0;
        self.labelend[b] = NONE;
        self.blossomendps[b].clear();
        self.blossombase[b] = NONE;
        self.blossombestedges[b] = None;
        self.bestedge[b] = NONE;
        self.unused.push(b);
    }

    /// Swaps matched and unmatched edges inside blossom `b` so that vertex `v` becomes its base.
    fn augment_blossom(&mut self, b: usize, v: usize) {
        let mut t = v;
        while self.blossomparent[t] != b {
            t = self.blossomparent[t];
        }
        if t >= self.n {
            self.augment_blossom(t, v);
        }
        let len = self.blossomchilds[b].len() as isize;
        let at = |j: isize| j.rem_euclid(len) as usize;
        let i = self.blossomchilds[b].iter().position(|&c| c == t).expect("child") as isize;
        let mut j = i;
        let (jstep, endptrick): (isize, usize) = if i & 1 == 1 {
            j -= len;
            (1, 0)
        } else {
            (-1, 1)
        };
        let trick = endptrick as isize;
        while j != 0 {
            j += jstep;
            let t = self.blossomchilds[b][at(j)];
            let p = self.blossomendps[b][at(j - trick)] ^ endptrick;
            if t >= self.n {
                let e = self.endpoint[p];
                self.augment_blossom(t, e);
            }
            j += jstep;
            let t = self.blossomchilds[b][at(j)];
            if t >= self.n {
                let e = self.endpoint[p ^ 1];
                self.augment_blossom(t, e);
            }
            let (a, c) = (self.endpoint[p], self.endpoint[p ^ 1]);
            self.mate[a] = p ^ 1;
            self.mate[c] = p;
        }
        let i = i as usize;
        self.blossomchilds[b].rotate_left(i);
        self.blossomendps[b].rotate_left(i);
        self.blossombase[b] = self.blossombase[self.blossomchilds[b][0]];
        debug_assert_eq!(self.blossombase[b], v);
    }

    fn augment_matching(&mut self, k: usize) {
        let (v, w, _) = self.edges[k];
        for (mut s, mut p) in [(v, 2 * k + 1), (w, 2 * k)] {
            loop {
                let bs = self.inblossom[s];
                debug_assert_eq!(self.label[bs], 1);
                if bs >= self.n {
                    self.augment_blossom(bs, s);
                }
                self.mate[s] = p;
                if self.labelend[bs] == NONE {
                    break;
                }
                let t = self.endpoint[self.labelend[bs]];
                let bt = self.inblossom[t];
                debug_assert_eq!(self.label[bt], 2);
                s = self.endpoint[self.labelend[bt]];
                let j = self.endpoint[self.labelend[bt] ^ 1];
                debug_assert_eq!(self.blossombase[bt], t);
                if bt >= self.n {
                    self.augment_blossom(bt, j);
                }
                self.mate[j] = self.labelend[bt];
                p = self.labelend[bt] ^ 1;
            }
        }
    }

    fn solve(&mut self, max_cardinality: bool) {
        let n = self.n;
        for _stage in 0..n {
            self.label.fill(0);
            self.bestedge.fill(NONE);
            for b in &mut self.blossombestedges[n..] {
                *b = None;
            }
            self.allowedge.fill(false);
            self.queue.clear();
            for v in 0..n {
                if self.mate[v] == NONE && self.label[self.inblossom[v]] == 0 {
                    self.assign_label(v, 1, NONE);
                }
            }
            let mut augmented = false;
            loop {
                'scan: while let Some(v) = self.queue.pop() {
                    debug_assert_eq!(self.label[self.inblossom[v]], 1);
                    for idx in 0..self.neighbend[v].len() {
                        let p = self.neighbend[v][idx];
                        let k = p / 2;
                        let w = self.endpoint[p];
                        if self.inblossom[v] == self.inblossom[w] {
                            continue;
                        }
                        let mut kslack = 0;
                        if !self.allowedge[k] {
                            kslack = self.slack(k);
                            if kslack <= 0 {
                                self.allowedge[k] = true;
                            }
                        }
                        if self.allowedge[k] {
                            if self.label[self.inblossom[w]] == 0 {
                                self.assign_label(w, 2, p ^ 1);
                            } else if self.label[self.inblossom[w]] == 1 {
                                let base = self.scan_blossom(v, w);
                                if base != NONE {
                                    self.add_blossom(base, k);
                                } else {
                                    self.augment_matching(k);
                                    augmented = true;
                                    break 'scan;
                                }
                            } else if self.label[w] == 0 {
                                debug_assert_eq!(self.label[self.inblossom[w]], 2);
                                self.label[w] = 2;
                                self.labelend[w] = p ^ 1;
                            }
                        } else if self.label[self.inblossom[w]] == 1 {
                            let b = self.inblossom[v];
                            if self.bestedge[b] == NONE || kslack < self.slack(self.bestedge[b]) {
                                self.bestedge[b] = k;
                            }
                        } else if self.label[w] == 0
                            && (self.bestedge[w] == NONE || kslack < self.slack(self.bestedge[w]))
                        {
                            self.bestedge[w] = k;
                        }
                    }
                }
                if augmented {
                    break;
                }
                // No augmenting path with the current tight edges: move the duals.
                let mut deltatype = 0u8;
                let mut delta = 0i64;
                let mut deltaedge = NONE;
                let mut deltablossom = NONE;
                if !max_cardinality {
                    deltatype = 1;
                    delta = self.dualvar[..n].iter().copied().min().unwrap_or(0);
                }
                for v in 0..n {
                    if self.label[self.inblossom[v]] == 0 && self.bestedge[v] != NONE {
                        let d = self.slack(self.bestedge[v]);
                        if deltatype == 0 || d < delta {
                            delta = d;
                            deltatype = 2;
                            deltaedge = self.bestedge[v];
                        }
                    }
                }
                for b in 0..2 * n {
                    if self.blossomparent[b] == NONE && self.label[b] == 1 && self.bestedge[b] != NONE {
                        let kslack = self.slack(self.bestedge[b]);
                        debug_assert_eq!(kslack % 2, 0);
                        let d = kslack / 2;
                        if deltatype == 0 || d < delta {
                            delta = d;
                            deltatype = 3;
                            deltaedge = self.bestedge[b];
                        }
                    }
                }
                for b in n..2 * n {
                    if self.blossombase[b] != NONE
                        && self.blossomparent[b] == NONE
                        && self.label[b] == 2
                        && (deltatype == 0 || self.dualvar[b] < delta)
                    {
                        delta = self.dualvar[b];
                        deltatype = 4;
                        deltablossom = b;
                    }
                }
                if deltatype == 0 {
                    // No further augmentation is possible: the matching has maximum cardinality.
                    deltatype = 1;
                    delta = self.dualvar[..n].iter().copied().min().unwrap_or(0).max(0);
                }
                for v in 0..n {
                    match self.label[self.inblossom[v]] {
                        1 => self.dualvar[v] -= delta,
                        2 => self.dualvar[v] += delta,
                        _ => {}
                    }
                }
                for b in n..2 * n {
                    if self.blossombase[b] != NONE && self.blossomparent[b] == NONE {
                        match self.label[b] {
                            1 => self.dualvar[b] += delta,
                            2 => self.dualvar[b] -= delta,
                            _ => {}
                        }
                    }
                }
                match deltatype {
                    1 => break,
                    2 => {
                        self.allowedge[deltaedge] = true;
                        let (mut i, j, _) = self.edges[deltaedge];
                        if self.label[self.inblossom[i]] == 0 {
                            i = j;
                        }
                        debug_assert_eq!(self.label[self.inblossom[i]], 1);
                        self.queue.push(i);
                    }
                    3 => {
                        self.allowedge[deltaedge] = true;
                        let (i, _, _) = self.edges[deltaedge];
                        debug_assert_eq!(self.label[self.inblossom[i]], 1);
                        self.queue.push(i);
                    }
                    _ => self.expand_blossom(deltablossom, false),
                }
            }
            if !augmented {
                break;
            }
            for b in n..2 * n {
                if self.blossomparent[b] == NONE
                    && self.blossombase[b] != NONE
                    && self.label[b] == 1
                    && self.dualvar[b] == 0
                {
                    self.expand_blossom(b, true);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{stream, tag};
    use rand::Rng;

    /// Best matching by trying every set of disjoint edges: (cardinality, weight).
    fn brute(n: usize, edges: &[(usize, usize, i64)], max_cardinality: bool) -> (usize, i64) {
        fn go(
            k: usize,
            used: &mut Vec<bool>,
            edges: &[(usize, usize, i64)],
            card: usize,
            w: i64,
            best: &mut (usize, i64),
            mc: bool,
        ) {
            if k == edges.len() {
                let better = if mc { (card, w) > *best } else { w > best.1 };
                if better {
                    *best = (card, w);
                }
                return;
            }
            go(k + 1, used, edges, card, w, best, mc);
            let (u, v, wt) = edges[k];
            if !used[u] && !used[v] {
                used[u] = true;
                used[v] = true;
                go(k + 1, used, edges, card + 1, w + wt, best, mc);
                used[u] = false;
                used[v] = false;
            }
        }
        let mut best = (0, 0);
        go(0, &mut vec![false; n], edges, 0, 0, &mut best, max_cardinality);
        best
    }

    fn score(mate: &[Option<usize>], edges: &[(usize, usize, i64)]) -> (usize, i64) {
        let mut card = 0;
        let mut w = 0;
        for (v, m) in mate.iter().enumerate() {
            if let Some(u) = *m {
                assert_eq!(mate[u], Some(v), "mate is not symmetric");
                if v < u {
                    card += 1;
                    // Parallel edges: the matched pair's best edge is what the solver can use.
                    w += edges
                        .iter()
                        .filter(|e| (e.0 == v && e.1 == u) || (e.0 == u && e.1 == v))
                        .map(|e| e.2)
                        .max()
                        .expect("matched pair has an edge");
                }
            }
        }
        (card, w)
    }

    #[test]
    fn small_known_cases() {
        // A path a–b–c–d: the outer edges beat the middle one when they weigh more in total.
        let e = [(0, 1, 5), (1, 2, 11), (2, 3, 5)];
        assert_eq!(max_weight_matching(4, &e, false), vec![None, Some(2), Some(1), None]);
        assert_eq!(
            max_weight_matching(4, &e, true),
            vec![Some(1), Some(0), Some(3), Some(2)]
        );
        // A triangle with a pendant forces a blossom.
        let e = [(0, 1, 8), (1, 2, 9), (0, 2, 10), (2, 3, 7)];
        assert_eq!(score(&max_weight_matching(4, &e, false), &e), (2, 15));
        assert_eq!(min_weight_perfect(3, &e), None);
    }

    #[test]
    fn matches_brute_force_on_random_graphs() {
        let mut rng = stream(11, tag("matching-test"), 0);
        for case in 0..1500 {
            let n = rng.random_range(1..=9);
            let density: f64 = rng.random_range(0.2..1.0);
            let wmax = if case % 3 == 0 { 3 } else { 40 };
            let mut edges = Vec::new();
            for u in 0..n {
                for v in u + 1..n {
                    if rng.random::<f64>() < density {
                        edges.push((u, v, rng.random_range(0..=wmax)));
                    }
                }
            }
            if edges.len() > 16 {
                edges.truncate(16);
            }
            for mc in [false, true] {
                let got = score(&max_weight_matching(n, &edges, mc), &edges);
                let want = brute(n, &edges, mc);
                if mc {
                    assert_eq!(got, want, "case {case} n {n} {edges:?}");
                } else {
                    assert_eq!(got.1, want.1, "case {case} n {n} {edges:?}");
                }
            }
        }
    }

    #[test]
    fn min_weight_perfect_matches_brute_force() {
        let mut rng = stream(13, tag("matching-test"), 2);
        let mut perfect = 0;
        for case in 0..2000 {
            let n = 2 * rng.random_range(1..=5);
            let density: f64 = rng.random_range(0.3..1.0);
            let wmax = if case % 2 == 0 { 4 } else { 50 };
            let mut edges = Vec::new();
            for u in 0..n {
                for v in u + 1..n {
                    if rng.random::<f64>() < density && edges.len() < 16 {
                        edges.push((u, v, rng.random_range(0..=wmax)));
                    }
                }
            }
            let neg: Vec<_> = edges.iter().map(|&(u, v, w)| (u, v, -w)).collect();
            let (card, best) = brute(n, &neg, true);
            match min_weight_perfect(n, &edges) {
                Some(mate) => {
                    perfect += 1;
                    assert_eq!(card, n / 2, "case {case}: a perfect matching was claimed");
                    let got: Vec<Option<usize>> = mate.iter().map(|&m| Some(m)).collect();
                    assert_eq!(score(&got, &neg).1, best, "case {case} {edges:?}");
                }
                None => assert!(card < n / 2, "case {case}: missed a perfect matching {edges:?}"),
            }
        }
        assert!(perfect > 500, "{perfect}");
    }

    #[test]
    fn perfect_matching_on_larger_random_graphs_is_optimal_against_the_dual() {
        // Larger graphs than brute force can check: compare with the cheapest of many perfect
        // matchings found by the solver on random reweightings, which must never beat it.
        let mut rng = stream(12, tag("matching-test"), 1);
        for _ in 0..30 {
            let n = 2 * rng.random_range(5..40);
            let mut edges = Vec::new();
            for u in 0..n {
                edges.push((u, (u + 1) % n, rng.random_range(0..100)));
                for _ in 0..3 {
                    let v = rng.random_range(0..n);
                    if v != u {
                        edges.push((u, v, rng.random_range(0..100)));
                    }
                }
            }
            let mate = min_weight_perfect(n, &edges).expect("the ring has a perfect matching");
            let cost: i64 = (0..n)
                .filter(|&v| v < mate[v])
                .map(|v| {
                    edges
                        .iter()
                        .filter(|e| (e.0 == v && e.1 == mate[v]) || (e.1 == v && e.0 == mate[v]))
                        .map(|e| e.2)
                        .min()
                        .unwrap()
                })
                .sum();
            // The two alternating perfect matchings of the even ring are feasible upper bounds.
            for start in 0..2 {
                let ring: i64 = (0..n / 2)
                    .map(|k| edges_cost(&edges, (2 * k + start) % n, (2 * k + start + 1) % n))
                    .sum();
                assert!(cost <= ring, "{cost} > ring {ring}");
            }
        }
    }

    fn edges_cost(edges: &[(usize, usize, i64)], a: usize, b: usize) -> i64 {
        edges
            .iter()
            .filter(|e| (e.0 == a && e.1 == b) || (e.1 == a && e.0 == b))
            .map(|e| e.2)
            .min()
            .unwrap()
    }
}

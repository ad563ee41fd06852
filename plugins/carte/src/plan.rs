//! Exact planar predicates on positions in integer units of 10⁻⁷ degree.
//!
//! Coordinates are rounded to 7 decimals before any test, then handled as
//! integers: every orientation is computed exactly in `i128` (differences
//! reach 3.6·10⁹, their products 1.3·10¹⁹, past `i64`), so "touches",
//! "crosses" and "has no area" need no tolerance and a stored value always
//! passes the same checks again.

/// A position: longitude and latitude in 10⁻⁷ degree, altitude in
/// centimetres when given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    pub x: i64,
    pub y: i64,
    pub z: Option<i64>,
}

impl Position {
    pub fn new(x: i64, y: i64) -> Position {
        Position { x, y, z: None }
    }

    /// Same place, whatever the altitude.
    pub fn same_place(&self, other: &Position) -> bool {
        self.x == other.x && self.y == other.y
    }

    pub fn lon(&self) -> f64 {
        self.x as f64 / 1e7
    }

    pub fn lat(&self) -> f64 {
        self.y as f64 / 1e7
    }
}

/// `[west, south, east, north]` in the same units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BBox {
    pub w: i64,
    pub s: i64,
    pub e: i64,
    pub n: i64,
}

impl BBox {
    pub fn of(points: &[Position]) -> Option<BBox> {
        let first = points.first()?;
        let mut b = BBox { w: first.x, s: first.y, e: first.x, n: first.y };
        for p in points {
            b = BBox { w: b.w.min(p.x), s: b.s.min(p.y), e: b.e.max(p.x), n: b.n.max(p.y) };
        }
        Some(b)
    }

    fn segment(a: &Position, b: &Position) -> BBox {
        BBox { w: a.x.min(b.x), s: a.y.min(b.y), e: a.x.max(b.x), n: a.y.max(b.y) }
    }

    pub fn overlaps(&self, other: &BBox) -> bool {
        self.w <= other.e && other.w <= self.e && self.s <= other.n && other.s <= self.n
    }

    pub fn union(&self, other: &BBox) -> BBox {
        BBox { w: self.w.min(other.w), s: self.s.min(other.s), e: self.e.max(other.e), n: self.n.max(other.n) }
    }
}

/// Sign of the turn a → b → c: positive when counter-clockwise.
pub fn orient(a: &Position, b: &Position, c: &Position) -> i128 {
    let (abx, aby) = (i128::from(b.x) - i128::from(a.x), i128::from(b.y) - i128::from(a.y));
    let (acx, acy) = (i128::from(c.x) - i128::from(a.x), i128::from(c.y) - i128::from(a.y));
    abx * acy - aby * acx
}

/// Whether `p`, known to be collinear with `a`-`b`, lies on that segment.
fn within(a: &Position, b: &Position, p: &Position) -> bool {
    a.x.min(b.x) <= p.x && p.x <= a.x.max(b.x) && a.y.min(b.y) <= p.y && p.y <= a.y.max(b.y)
}

pub fn on_segment(a: &Position, b: &Position, p: &Position) -> bool {
    orient(a, b, p) == 0 && within(a, b, p)
}

/// Whether segments `a`-`b` and `c`-`d` share at least one point.
pub fn segments_meet(a: &Position, b: &Position, c: &Position, d: &Position) -> bool {
    if !BBox::segment(a, b).overlaps(&BBox::segment(c, d)) {
        return false;
    }
    let (d1, d2) = (orient(a, b, c).signum(), orient(a, b, d).signum());
    let (d3, d4) = (orient(c, d, a).signum(), orient(c, d, b).signum());
    if d1 * d2 < 0 && d3 * d4 < 0 {
        return true;
    }
    (d1 == 0 && within(a, b, c))
        || (d2 == 0 && within(a, b, d))
        || (d3 == 0 && within(c, d, a))
        || (d4 == 0 && within(c, d, b))
}

/// Whether the segments cross at one point inside both (not at an end).
pub fn segments_cross(a: &Position, b: &Position, c: &Position, d: &Position) -> bool {
    orient(a, b, c).signum() * orient(a, b, d).signum() < 0 && orient(c, d, a).signum() * orient(c, d, b).signum() < 0
}

/// Twice the signed area of a closed ring (first position repeated last),
/// positive when counter-clockwise.
pub fn twice_area(ring: &[Position]) -> i128 {
    ring.windows(2).map(|w| i128::from(w[0].x) * i128::from(w[1].y) - i128::from(w[1].x) * i128::from(w[0].y)).sum()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Location {
    Inside,
    Boundary,
    Outside,
}

/// Where `p` is relative to a closed ring (crossing number, exact).
pub fn locate(p: &Position, ring: &[Position]) -> Location {
    let mut inside = false;
    for w in ring.windows(2) {
        let (a, b) = (&w[0], &w[1]);
        if on_segment(a, b, p) {
            return Location::Boundary;
        }
        if (a.y > p.y) != (b.y > p.y) {
            let turn = orient(a, b, p);
            if (b.y > a.y && turn > 0) || (b.y < a.y && turn < 0) {
                inside = !inside;
            }
        }
    }
    if inside { Location::Inside } else { Location::Outside }
}

/// Whether every position lies on one straight line.
pub fn all_collinear(points: &[Position]) -> bool {
    let Some(first) = points.first() else {
        return true;
    };
    let Some(other) = points.iter().find(|p| !p.same_place(first)) else {
        return true;
    };
    points.iter().all(|p| orient(first, other, p) == 0)
}

/// Whether a closed ring of at least 4 positions, without consecutive
/// repeats, never touches itself: non-adjacent edges share no point and
/// adjacent edges do not fold back onto each other.
pub fn ring_is_simple(ring: &[Position]) -> bool {
    let edges = ring.len().saturating_sub(1);
    let boxes: Vec<BBox> = ring.windows(2).map(|w| BBox::segment(&w[0], &w[1])).collect();
    for i in 0..edges {
        for j in i + 1..edges {
            let adjacent = j == i + 1 || (i == 0 && j == edges - 1);
            if adjacent {
                // The shared vertex and the two far ends.
                let (shared, before, after) =
                    if j == i + 1 { (&ring[j], &ring[i], &ring[j + 1]) } else { (&ring[0], &ring[j], &ring[1]) };
                if folds_back(before, shared, after) {
                    return false;
                }
            } else if boxes[i].overlaps(&boxes[j]) && segments_meet(&ring[i], &ring[i + 1], &ring[j], &ring[j + 1]) {
                return false;
            }
        }
    }
    true
}

/// Whether b → c turns fully back over a → b (collinear, opposite way).
fn folds_back(a: &Position, b: &Position, c: &Position) -> bool {
    let dot = (i128::from(a.x) - i128::from(b.x)) * (i128::from(c.x) - i128::from(b.x))
        + (i128::from(a.y) - i128::from(b.y)) * (i128::from(c.y) - i128::from(b.y));
    orient(a, b, c) == 0 && dot > 0
}

/// Whether any edge of ring `a` shares a point with any edge of ring `b`
/// (`proper`: only crossings inside both edges count).
pub fn rings_meet(a: &[Position], b: &[Position], proper: bool) -> bool {
    let (Some(box_a), Some(box_b)) = (BBox::of(a), BBox::of(b)) else {
        return false;
    };
    if !box_a.overlaps(&box_b) {
        return false;
    }
    let b_edges: Vec<(BBox, &Position, &Position)> = b
        .windows(2)
        .map(|w| (BBox::segment(&w[0], &w[1]), &w[0], &w[1]))
        .filter(|(bb, _, _)| bb.overlaps(&box_a))
        .collect();
    a.windows(2).any(|w| {
        let edge = BBox::segment(&w[0], &w[1]);
        edge.overlaps(&box_b)
            && b_edges.iter().any(|(bb, c, d)| {
                edge.overlaps(bb)
                    && if proper { segments_cross(&w[0], &w[1], c, d) } else { segments_meet(&w[0], &w[1], c, d) }
            })
    })
}

/// Where `p` is relative to a polygon (exterior ring then holes).
pub fn locate_in_polygon(p: &Position, rings: &[Vec<Position>]) -> Location {
    let Some((exterior, holes)) = rings.split_first() else {
        return Location::Outside;
    };
    match locate(p, exterior) {
        Location::Inside => {}
        other => return other,
    }
    for hole in holes {
        match locate(p, hole) {
            Location::Inside => return Location::Outside,
            Location::Boundary => return Location::Boundary,
            Location::Outside => {}
        }
    }
    Location::Inside
}

/// Whether two polygons share at least one point (boundaries included), as
/// PostGIS's `ST_Intersects` decides.
pub fn polygons_meet(a: &[Vec<Position>], b: &[Vec<Position>]) -> bool {
    if a.iter().any(|ra| b.iter().any(|rb| rings_meet(ra, rb, false))) {
        return true;
    }
    // No boundary contact: one lies inside the other, or they are apart.
    let first = |rings: &[Vec<Position>]| rings.first().and_then(|r| r.first()).copied();
    first(b).is_some_and(|p| locate_in_polygon(&p, a) != Location::Outside)
        || first(a).is_some_and(|p| locate_in_polygon(&p, b) != Location::Outside)
}

/// Whether the interiors of two polygons without boundary crossings
/// overlap: a crossing of edges, or a vertex of one strictly inside the
/// other (touching along edges or at vertices is allowed).
pub fn polygons_overlap(a: &[Vec<Position>], b: &[Vec<Position>]) -> bool {
    if a.iter().any(|ra| b.iter().any(|rb| rings_meet(ra, rb, true))) {
        return true;
    }
    let strictly_inside = |p: &Position, rings: &[Vec<Position>]| locate_in_polygon(p, rings) == Location::Inside;
    a.first().is_some_and(|ext| ext.iter().any(|p| strictly_inside(p, b)))
        || b.first().is_some_and(|ext| ext.iter().any(|p| strictly_inside(p, a)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(points: &[(i64, i64)]) -> Vec<Position> {
        points.iter().map(|&(x, y)| Position::new(x, y)).collect()
    }

    #[test]
    fn orientation_is_exact_at_world_scale() {
        let a = Position::new(-1_800_000_000, -900_000_000);
        let b = Position::new(1_800_000_000, 900_000_000);
        let c = Position::new(0, 0);
        assert_eq!(orient(&a, &b, &c), 0);
        assert!(orient(&a, &b, &Position::new(0, 1)) > 0);
        assert!(orient(&a, &b, &Position::new(0, -1)) < 0);
    }

    #[test]
    fn segments_meet_and_cross() {
        let p = |x, y| Position::new(x, y);
        assert!(segments_cross(&p(0, 0), &p(10, 10), &p(0, 10), &p(10, 0)));
        assert!(segments_meet(&p(0, 0), &p(10, 10), &p(0, 10), &p(10, 0)));
        // T junction: meet, not cross.
        assert!(segments_meet(&p(0, 0), &p(10, 0), &p(5, 0), &p(5, 5)));
        assert!(!segments_cross(&p(0, 0), &p(10, 0), &p(5, 0), &p(5, 5)));
        // Collinear overlap and collinear apart.
        assert!(segments_meet(&p(0, 0), &p(10, 0), &p(5, 0), &p(15, 0)));
        assert!(!segments_meet(&p(0, 0), &p(10, 0), &p(11, 0), &p(15, 0)));
        assert!(!segments_meet(&p(0, 0), &p(10, 10), &p(0, 1), &p(10, 11)));
    }

    #[test]
    fn rings_simple_or_not() {
        let square = ring(&[(0, 0), (10, 0), (10, 10), (0, 10), (0, 0)]);
        assert!(ring_is_simple(&square));
        assert!(ring_is_simple(&ring(&[(0, 0), (10, 0), (0, 10), (0, 0)])));
        let bowtie = ring(&[(0, 0), (10, 10), (10, 0), (0, 10), (0, 0)]);
        assert!(!ring_is_simple(&bowtie));
        // Touches itself at a vertex (figure of eight through (5, 5)).
        let eight = ring(&[(0, 0), (5, 5), (10, 0), (10, 10), (5, 5), (0, 10), (0, 0)]);
        assert!(!ring_is_simple(&eight));
        // A spike folding back along its own edge.
        let spike = ring(&[(0, 0), (10, 0), (20, 0), (10, 0), (10, 10), (0, 0)]);
        assert!(!ring_is_simple(&spike));
        let spike_at_start = ring(&[(5, 0), (0, 0), (0, 10), (10, 10), (10, 0), (0, 0), (5, 0)]);
        assert!(!ring_is_simple(&spike_at_start));
    }

    #[test]
    fn locates_points() {
        let square = ring(&[(0, 0), (10, 0), (10, 10), (0, 10), (0, 0)]);
        assert_eq!(locate(&Position::new(5, 5), &square), Location::Inside);
        assert_eq!(locate(&Position::new(10, 5), &square), Location::Boundary);
        assert_eq!(locate(&Position::new(0, 0), &square), Location::Boundary);
        assert_eq!(locate(&Position::new(11, 5), &square), Location::Outside);
        assert_eq!(locate(&Position::new(5, 10), &square), Location::Boundary);
        // A ray through a vertex counts once.
        let diamond = ring(&[(5, 0), (10, 5), (5, 10), (0, 5), (5, 0)]);
        assert_eq!(locate(&Position::new(2, 5), &diamond), Location::Inside);
        assert_eq!(locate(&Position::new(-2, 5), &diamond), Location::Outside);
        let with_hole = vec![square.clone(), ring(&[(4, 4), (4, 6), (6, 6), (6, 4), (4, 4)])];
        assert_eq!(locate_in_polygon(&Position::new(5, 5), &with_hole), Location::Outside);
        assert_eq!(locate_in_polygon(&Position::new(2, 2), &with_hole), Location::Inside);
        assert_eq!(twice_area(&square), 200);
    }

    #[test]
    fn polygons_meet_or_overlap() {
        let square = vec![ring(&[(0, 0), (10, 0), (10, 10), (0, 10), (0, 0)])];
        let neighbour = vec![ring(&[(10, 0), (20, 0), (20, 10), (10, 10), (10, 0)])];
        let inner = vec![ring(&[(2, 2), (4, 2), (4, 4), (2, 4), (2, 2)])];
        let far = vec![ring(&[(30, 30), (40, 30), (40, 40), (30, 30)])];
        // Its bounding box overlaps `square`, its shape does not.
        let triangle = vec![ring(&[(11, 11), (20, 0), (20, 20), (11, 11)])];
        assert!(polygons_meet(&square, &neighbour));
        assert!(!polygons_overlap(&square, &neighbour));
        assert!(polygons_meet(&square, &inner) && polygons_meet(&inner, &square));
        assert!(polygons_overlap(&square, &inner) && polygons_overlap(&inner, &square));
        assert!(!polygons_meet(&square, &far));
        assert!(!polygons_meet(&square, &triangle));
        let holed = vec![square[0].clone(), ring(&[(1, 1), (1, 9), (9, 9), (9, 1), (1, 1)])];
        assert!(!polygons_meet(&holed, &inner));
        assert!(!polygons_overlap(&holed, &inner));
    }
}

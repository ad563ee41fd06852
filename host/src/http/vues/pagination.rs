//! The DSFR pagination of a list: which page links to show around the
//! current page, as plain links (no JavaScript).

use serde::Serialize;

/// Page links shown on each side of the current page; further pages fold
/// into an ellipsis, so that 200 pages do not make 200 links on a phone.
const VOISINES: u64 = 2;

#[derive(Debug, PartialEq, Eq, Serialize)]
pub struct Pagination {
    /// Pages numbered from 1.
    pub page: u64,
    pub pages: u64,
    pub precedente: Option<String>,
    pub suivante: Option<String>,
    pub premiere: Option<String>,
    pub derniere: Option<String>,
    pub liens: Vec<LienPage>,
}

#[derive(Debug, PartialEq, Eq, Serialize)]
pub struct LienPage {
    /// None: an ellipsis.
    pub numero: Option<u64>,
    pub href: String,
    pub courante: bool,
}

/// The pagination of `total` items, `par_page` a page, on `page` (from 1,
/// brought back within the pages); `href(n)` is the address of page n.
/// `None` when everything fits on one page.
pub fn paginer(total: u64, par_page: u64, page: u64, href: impl Fn(u64) -> String) -> Option<Pagination> {
    let pages = total.div_ceil(par_page.max(1)).max(1);
    if pages == 1 {
        return None;
    }
    let page = page.clamp(1, pages);
    let mut liens = Vec::new();
    let mut ellipse = false;
    for n in 1..=pages {
        if n == 1 || n == pages || n.abs_diff(page) <= VOISINES {
            liens.push(LienPage { numero: Some(n), href: href(n), courante: n == page });
            ellipse = false;
        } else if !ellipse {
            liens.push(LienPage { numero: None, href: String::new(), courante: false });
            ellipse = true;
        }
    }
    Some(Pagination {
        page,
        pages,
        precedente: (page > 1).then(|| href(page - 1)),
        suivante: (page < pages).then(|| href(page + 1)),
        premiere: (page > 1).then(|| href(1)),
        derniere: (page < pages).then(|| href(pages)),
        liens,
    })
}

/// The page asked for in a query string: 1 when missing or not a number.
pub fn page_demandee(page: Option<&str>) -> u64 {
    page.and_then(|p| p.trim().parse::<u64>().ok()).filter(|p| *p >= 1).unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numeros(p: &Pagination) -> Vec<Option<u64>> {
        p.liens.iter().map(|l| l.numero).collect()
    }

    #[test]
    fn one_page_needs_no_pagination() {
        assert_eq!(paginer(0, 25, 1, |n| n.to_string()), None);
        assert_eq!(paginer(25, 25, 3, |n| n.to_string()), None);
    }

    #[test]
    fn far_pages_fold_into_ellipses() {
        let p = paginer(5_000, 25, 100, |n| format!("?page={n}")).expect("pages");
        assert_eq!(p.pages, 200);
        assert_eq!(
            numeros(&p),
            vec![Some(1), None, Some(98), Some(99), Some(100), Some(101), Some(102), None, Some(200)]
        );
        assert_eq!(p.precedente.as_deref(), Some("?page=99"));
        assert_eq!(p.suivante.as_deref(), Some("?page=101"));
        assert!(p.liens.iter().filter(|l| l.courante).all(|l| l.numero == Some(100)));
    }

    #[test]
    fn a_page_beyond_the_end_shows_the_last() {
        let p = paginer(60, 25, 9, |n| n.to_string()).expect("pages");
        assert_eq!(p.page, 3);
        assert_eq!(p.suivante, None);
        assert_eq!(p.derniere, None);
        assert_eq!(numeros(&p), vec![Some(1), Some(2), Some(3)]);
        assert_eq!(page_demandee(Some("abc")), 1);
        assert_eq!(page_demandee(Some("0")), 1);
        assert_eq!(page_demandee(Some("4")), 4);
    }
}

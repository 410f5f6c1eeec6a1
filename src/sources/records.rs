//! The typed records of the two base datasets, whatever file layout they were read from
//! (canonical table, DREES or INSEE workbook, Ameli export).

/// General practitioners in activity on 1 January, one département and year.
#[derive(Debug, Clone, PartialEq)]
pub struct GpRow {
    pub dept: String,
    pub year: i32,
    /// `None` when withheld at source ("ND": fewer than 10).
    pub count: Option<u64>,
}

/// Population on 1 January, one département and year.
#[derive(Debug, Clone, PartialEq)]
pub struct PopRow {
    pub dept: String,
    pub year: i32,
    pub population: u64,
}

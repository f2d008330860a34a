//! Where AWS answers a request with a rule or text of its own instead of the model's
//! constraint. Short, and every row cites where the behaviour comes from.

use crate::model::Operation;

/// How an override changes the model's check of one top-level member.
#[derive(Debug)]
pub enum Rule {
    /// An integer range tighter than the model's, reported in the W-35 form.
    Range {
        /// Smallest accepted value.
        min: i64,
        /// Largest accepted value.
        max: i64,
    },
    /// A member the model leaves optional that AWS requires, with AWS's own message.
    RequiredWithText(&'static str),
}

/// One row of the table.
#[derive(Debug)]
pub struct Override {
    /// The member, as W-35 names it (lowerCamel).
    pub member: &'static str,
    /// What AWS does instead.
    pub rule: Rule,
}

/// ScheduleKeyDeletion: the model allows 1..365 days, AWS accepts 7..30 and says so in the
/// W-35 form (contract §3.15, observed: `Value '6' at 'pendingWindowInDays' failed to satisfy
/// constraint: Member must have value greater than or equal to 7`).
static SCHEDULE_KEY_DELETION: [Override; 1] = [Override {
    member: "pendingWindowInDays",
    rule: Rule::Range { min: 7, max: 30 },
}];

/// GenerateRandom: `NumberOfBytes` is optional in the model, but AWS requires it and answers
/// `ValidationException` "NumberOfBytes is required." (recorded AWS response; the model's
/// documentation also says "This parameter is required.").
static GENERATE_RANDOM: [Override; 1] = [Override {
    member: "numberOfBytes",
    rule: Rule::RequiredWithText("NumberOfBytes is required."),
}];

/// `Limit` where AWS's documentation narrows the model's 1..1000 (W-51): ListAliases,
/// ListGrants and ListRetirableGrants take 1..100 ("must be between 1 and 100, inclusive").
static LIMIT_100: [Override; 1] = [Override {
    member: "limit",
    rule: Rule::Range { min: 1, max: 100 },
}];

/// ListResourceTags: `Limit` 1..50 (AWS's documentation: "must be between 1 and 50").
static LIMIT_50: [Override; 1] = [Override {
    member: "limit",
    rule: Rule::Range { min: 1, max: 50 },
}];

/// The overrides of `op` (none for most operations).
pub fn for_operation(op: Operation) -> &'static [Override] {
    match op {
        Operation::ScheduleKeyDeletion => &SCHEDULE_KEY_DELETION,
        Operation::GenerateRandom => &GENERATE_RANDOM,
        Operation::ListAliases | Operation::ListGrants | Operation::ListRetirableGrants => {
            &LIMIT_100
        }
        Operation::ListResourceTags => &LIMIT_50,
        _ => &[],
    }
}

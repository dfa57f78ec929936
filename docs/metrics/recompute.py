#!/usr/bin/env python3
"""Recompute govledger's request and mediation metrics from `govledger export` output.

Standard library only. Independent of govledger's code: it follows the definitions in
docs/metrics.md, so a figure it disagrees with is a bug in one of the two.

    recompute.py EXPORT.jsonl                                 # the community, every month
    recompute.py EXPORT.jsonl --scope organisation:UUID --period 2020-Q2
    recompute.py EXPORT.jsonl --scope category:repair --period 2020
    recompute.py EXPORT.jsonl --every-month                   # every scope x month, JSON lines
    recompute.py EXPORT.jsonl --as-of 1500 --period 2020-05   # the ledger up to position 1500
    recompute.py EXPORT.jsonl --trace-work unit_door_replacement  # a work's decision trace
    recompute.py EXPORT.jsonl --trace EVENT_ID                     # any event's trace

Each answer names the ledger position it was computed at (the last line read).
"""

import argparse
import datetime
import json
import re
import sys
from collections import defaultdict

UTC = datetime.timezone.utc
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=UTC)
UNSET_TIME_ZONE = "UTC"
# Zones whose rules since 1992 are a fixed offset, for a machine without a tz database.
FIXED_SINCE_1992 = {"UTC": 0, "Asia/Shanghai": 8}

SATISFIED = {"Satisfied", "BasicallySatisfied"}
OUTCOME_COUNTS = {
    "Fixed": "closed_fixed",
    "Explained": "closed_explained",
    "NoFurtherAction": "closed_no_further_action",
    "NotResponsible": "closed_not_responsible",
}
COUNTS = [
    "requests_received", "requests_rejected", "requests_merged", "requests_dispatched",
    "requests_responded_on_time", "requests_sent_back", "requests_resolved",
    "requests_escalated", "follow_ups", "follow_ups_resolved", "follow_ups_satisfied",
    "requests_closed", "requests_closed_with_due_at", "requests_closed_on_time",
    "closed_fixed", "closed_explained", "closed_no_further_action", "closed_not_responsible",
    "requests_reopened", "mediations_registered", "mediations_declined",
    "mediations_concluded", "mediations_agreed", "mediations_concluded_within_month",
    "performance_follow_ups", "performance_performed",
]


# --- calendars -----------------------------------------------------------------------------

class Calendar:
    """A community's time zone: local dates and "one calendar month later"."""

    def __init__(self, name):
        self.name = name
        try:
            import zoneinfo
            self.zone = zoneinfo.ZoneInfo(name)
        except Exception:  # no tz database on this machine
            if name not in FIXED_SINCE_1992:
                raise SystemExit(f"time zone {name!r}: no tz database here (pip install tzdata)")
            hours = FIXED_SINCE_1992[name]
            self.zone = datetime.timezone(datetime.timedelta(hours=hours))

    def local(self, micros):
        instant = EPOCH + datetime.timedelta(microseconds=micros)
        return instant.astimezone(self.zone)

    def month_of(self, micros):
        local = self.local(micros)
        return (local.year, local.month)

    def one_month_after(self, micros):
        """The same local wall time a calendar month later, the day clamped to the month."""
        local = self.local(micros)
        year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
        day = min(local.day, days_in_month(year, month))
        later = local.replace(tzinfo=None, year=year, month=month, day=day)
        # A wall time a transition skips or repeats: the zone's usual resolution (fold 0).
        later = later.replace(tzinfo=self.zone)
        return micros_of(later)


def days_in_month(year, month):
    following = datetime.date(year + (month == 12), month % 12 + 1, 1)
    return (following - datetime.date(year, month, 1)).days


def micros_of(moment):
    delta = moment.astimezone(UTC) - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def parse_rfc3339(text):
    moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return micros_of(moment)


class Zones:
    """The zone in force for an event: set by the last CommunityTimeZoneSet before it."""

    def __init__(self):
        self.changes = []  # (position, Calendar)
        self.utc = Calendar(UNSET_TIME_ZONE)

    def set(self, position, name):
        self.changes.append((position, Calendar(name)))

    def at(self, position):
        for changed_at, calendar in reversed(self.changes):
            if changed_at < position:
                return calendar
        return self.utc


# --- reading the export ----------------------------------------------------------------------

def snake(name):
    """A vocabulary value as the metrics name it: `EBikeCharging` -> `e_bike_charging`."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


# Format 2 adds the log key and checkpoint lines (with a `kind`); events are the same.
EXPORT_FORMATS = ("govledger-export-1", "govledger-export-2")


def read_export(path, as_of=None):
    """The export's lines (decoded), in position order, up to `as_of` if given."""
    lines = []
    with open(path, encoding="utf-8") as export:
        for number, text in enumerate(export, start=1):
            line = json.loads(text)
            if line.get("format") not in EXPORT_FORMATS:
                raise SystemExit(f"line {number}: not a line of {' or '.join(EXPORT_FORMATS)}")
            if "kind" in line:
                continue  # format 2's log key and checkpoint lines: not events
            if as_of is not None and line["position"] > as_of:
                break
            if line["position"] != len(lines) + 1:
                raise SystemExit(f"line {number}: position {line['position']}, expected {len(lines) + 1}")
            lines.append(line)
    return lines


class Event:
    """One event of a case with its corrections applied (occurred-at and counted fields)."""

    def __init__(self, line):
        self.position = line["position"]
        self.event_id = line["event_id"]
        self.type = line["event_type"]
        self.at = parse_rfc3339(line["occurred_at"])
        self.payload = dict(line["payload"] or {})

    def correct(self, field, value):
        p, t = self.payload, self.type
        if field == "OccurredAt":
            self.at = value
        elif field == "RequestCategory" and t in ("RequestReceived", "RequestAccepted", "RequestDispatched"):
            p["category"] = value
        elif field == "Location" and t in ("RequestReceived", "MediationRegistered"):
            p["location"] = value
        elif field == "DueAt" and t == "RequestDispatched":
            p["due_at"] = value
        elif field == "Outcome" and t == "RequestClosed":
            p["outcome"] = value
        elif field == "DisputeType" and t == "MediationRegistered":
            p["dispute_type"] = value
        # Other fields (texts, notes, a resolution's outcome) move no count.


def cases_of(lines):
    """Each request's and mediation's events in stream order, corrections applied, and the
    zones. Every case counts on its own: no event of one case moves another's figures."""
    zones = Zones()
    cases = defaultdict(list)
    by_id = {}
    for line in lines:
        kind = line["stream_id"].split("-", 1)[0]
        if line["event_type"] == "CommunityTimeZoneSet":
            zones.set(line["position"], line["payload"]["time_zone"])
        elif line["event_type"] == "FactCorrected":
            corrected = by_id.get(line["payload"]["corrects_event_id"])
            if corrected is not None:
                for field in line["payload"]["corrected"]:
                    ((name, value),) = field.items()
                    corrected.correct(name, value)
        elif kind in ("request", "mediation"):
            event = Event(line)
            by_id[event.event_id] = event
            cases[line["stream_id"]].append(event)
    return cases, zones


# --- counting --------------------------------------------------------------------------------

class Counters:
    def __init__(self):
        self.months = defaultdict(lambda: defaultdict(int))  # (scope, (y, m)) -> counts
        self.samples = defaultdict(list)  # (scope, (y, m)) -> [(micros, request id)]

    def bump(self, scopes, month, **changes):
        for scope in scopes:
            counts = self.months[(scope, month)]
            for name, by in changes.items():
                counts[name] += by


def scopes(category, compound, organisation):
    found = [("all",), ("category", category)]
    if compound:
        found.append(("compound", compound))
    if organisation:
        found.append(("organisation", organisation))
    return found


def count_request(counters, zones, request_id, events):
    month = lambda at, position: zones.at(position).month_of(at)
    facts = None
    for e in events:
        p, at, now = e.payload, e.at, month(e.at, e.position)
        if e.type == "RequestReceived":
            facts = {
                "received_at": at, "category": snake(p["category"]),
                "compound": (p.get("location") or {}).get("compound_id"),
                "organisation": None, "dispatched": None, "dispatched_to": None,
                "response_due_at": None, "due_at": None, "responded": False,
            }
            counters.bump(scopes(facts["category"], facts["compound"], None), now,
                          requests_received=1)
            continue
        f = facts
        current = scopes(f["category"], f["compound"], f["organisation"])
        at_dispatch = None
        if f["dispatched"] is not None:
            at_dispatch = (f["dispatched"], scopes(f["category"], f["compound"], f["dispatched_to"]))

        def first_response():
            if f["responded"]:
                return
            f["responded"] = True
            on_time = f["response_due_at"] is not None and at <= f["response_due_at"]
            if at_dispatch is not None and on_time:
                counters.bump(at_dispatch[1], at_dispatch[0], requests_responded_on_time=1)

        if e.type == "RequestAccepted":
            f["category"] = snake(p["category"])
        elif e.type == "RequestRejected":
            counters.bump(current, now, requests_rejected=1)
        elif e.type == "RequestMerged":
            counters.bump(current, now, requests_merged=1)
        elif e.type == "RequestDispatched":
            f["category"] = snake(p["category"])
            f["organisation"] = f["dispatched_to"] = p["organisation_id"]
            f["dispatched"] = now
            f["response_due_at"], f["due_at"] = p["response_due_at"], p["due_at"]
            f["responded"] = False
            counters.bump(scopes(f["category"], f["compound"], f["organisation"]), now,
                          requests_dispatched=1)
        elif e.type == "RequestSentBack":
            first_response()
            if at_dispatch is not None:
                counters.bump(at_dispatch[1], at_dispatch[0], requests_sent_back=1)
            f["organisation"] = None
        elif e.type == "RequestWorkStarted":
            first_response()
        elif e.type == "RequestResolved":
            first_response()
            counters.bump(current, now, requests_resolved=1)
        elif e.type == "RequestFollowedUp":
            counters.bump(current, now, follow_ups=1,
                          follow_ups_resolved=int(p["resolution"] == "Resolved"),
                          follow_ups_satisfied=int(p["satisfaction"] in SATISFIED))
        elif e.type == "RequestClosed":
            on_time = None if f["due_at"] is None else at <= f["due_at"]
            counters.bump(current, now, requests_closed=1,
                          requests_closed_with_due_at=int(on_time is not None),
                          requests_closed_on_time=int(on_time is True),
                          **{OUTCOME_COUNTS[p["outcome"]]: 1})
            took = max(0, at - f["received_at"])
            for scope in current:
                counters.samples[(scope, now)].append((took, request_id))
        elif e.type == "RequestReopened":
            counters.bump(current, now, requests_reopened=1)
        elif e.type == "RequestEscalated":
            counters.bump(current, now, requests_escalated=1)


def count_mediation(counters, zones, events):
    facts = None
    for e in events:
        p, at = e.payload, e.at
        calendar = zones.at(e.position)
        now = calendar.month_of(at)
        if e.type == "MediationRegistered":
            facts = {
                "registered_at": at,
                "scopes": scopes(snake(p["dispute_type"]),
                                 (p.get("location") or {}).get("compound_id"),
                                 p["mediation_committee_id"]),
            }
            counters.bump(facts["scopes"], now, mediations_registered=1)
            continue
        within = int(at <= calendar.one_month_after(facts["registered_at"]))
        if e.type == "MediationDeclined":
            counters.bump(facts["scopes"], now, mediations_declined=1)
        elif e.type == "MediationAgreementReached":
            counters.bump(facts["scopes"], now, mediations_concluded=1, mediations_agreed=1,
                          mediations_concluded_within_month=within)
        elif e.type == "MediationFailed":
            counters.bump(facts["scopes"], now, mediations_concluded=1,
                          mediations_concluded_within_month=within)
        elif e.type == "MediationPerformanceFollowedUp":
            counters.bump(facts["scopes"], now, performance_follow_ups=1,
                          performance_performed=int(p["performance"] == "Performed"))


def count(lines):
    cases, zones = cases_of(lines)
    counters = Counters()
    for stream, events in cases.items():
        kind, case_id = stream.split("-", 1)
        if kind == "request":
            count_request(counters, zones, case_id, events)
        else:
            count_mediation(counters, zones, events)
    return counters


# --- reporting -------------------------------------------------------------------------------

def rate(numerator, denominator):
    return {"numerator": numerator, "denominator": denominator,
            "value": numerator / denominator if denominator else None}


def nearest_rank(ascending, percent):
    if not ascending:
        return None
    n = len(ascending)
    rank = min(max(-(-percent * n // 100), 1), n)
    return ascending[rank - 1]


def report(counters, scope, months):
    c = defaultdict(int)
    samples = []
    for month in months:
        for name, value in counters.months.get((scope, month), {}).items():
            c[name] += value
        samples.extend(counters.samples.get((scope, month), []))
    seconds = [micros // 1_000_000 for micros, _ in sorted(samples)]
    return {
        "requests": {
            "received": c["requests_received"],
            "rejected": c["requests_rejected"],
            "dispatched": c["requests_dispatched"],
            "resolved": c["requests_resolved"],
            "escalated": c["requests_escalated"],
            "closed": c["requests_closed"],
            "closedFixed": c["closed_fixed"],
            "responseRate": rate(c["requests_responded_on_time"], c["requests_dispatched"]),
            "sendBackRate": rate(c["requests_sent_back"], c["requests_dispatched"]),
            "onTimeClosureRate": rate(c["requests_closed_on_time"], c["requests_closed_with_due_at"]),
            "resolutionRate": rate(c["follow_ups_resolved"], c["follow_ups"]),
            "satisfactionRate": rate(c["follow_ups_satisfied"], c["follow_ups"]),
            "reopenRate": rate(c["requests_reopened"], c["requests_closed"]),
            "duplicateShare": rate(c["requests_merged"], c["requests_received"]),
            "timeToClose": {
                "sampleSize": len(seconds),
                "medianSeconds": nearest_rank(seconds, 50),
                "p90Seconds": nearest_rank(seconds, 90),
            },
        },
        "mediations": {
            "registered": c["mediations_registered"],
            "declined": c["mediations_declined"],
            "concluded": c["mediations_concluded"],
            "agreementRate": rate(c["mediations_agreed"], c["mediations_concluded"]),
            "withinMonthRate": rate(c["mediations_concluded_within_month"], c["mediations_concluded"]),
            "performanceRate": rate(c["performance_performed"], c["performance_follow_ups"]),
        },
    }


def parse_scope(text):
    if text == "all":
        return ("all",)
    kind, _, value = text.partition(":")
    if kind not in ("organisation", "compound", "category") or not value:
        raise SystemExit(f"--scope {text!r}: expected all, organisation:ID, compound:ID or category:NAME")
    return (kind, value)


def parse_period(text):
    """`2020`, `2020-Q2` or `2020-05`: the (year, month) pairs it covers."""
    match = re.fullmatch(r"(\d{4})(?:-Q([1-4])|-(\d{2}))?", text)
    if not match:
        raise SystemExit(f"--period {text!r}: expected 2020, 2020-Q2 or 2020-05")
    year = int(match.group(1))
    if match.group(2):
        first = (int(match.group(2)) - 1) * 3 + 1
        return [(year, m) for m in range(first, first + 3)]
    if match.group(3):
        month = int(match.group(3))
        if not 1 <= month <= 12:
            raise SystemExit(f"--period {text!r}: no such month")
        return [(year, month)]
    return [(year, m) for m in range(1, 13)]


def scope_label(scope):
    return scope[0] if len(scope) == 1 else f"{scope[0]}:{scope[1]}"


# --- decision traces (docs/audit.md: `decisionTrace`) --------------------------------------

TRACE_CAUSES_MAX = 64
TRACE_EFFECTS_MAX = 100
TRACE_CASES_MAX = 64
TRACE_EVENTS_PER_CASE_MAX = 200
CASE_KINDS = {"request": "request", "work": "work_project", "mediation": "mediation",
              "decision": "decision"}


def case_of(line):
    kind, _, case_id = line["stream_id"].partition("-")
    return (CASE_KINDS[kind], case_id) if kind in CASE_KINDS else None


def links_of_event(line):
    """The case links an event states: (from case, relation, to case)."""
    p, t = line["payload"] or {}, line["event_type"]
    if t == "WorkProjectProposed":
        return [(("request", r), "raised", ("work_project", p["work_project_id"]))
                for r in p["linked_request_ids"]]
    if t == "WorkProjectApproved":
        return [(("decision", p["decision_id"]), "approved", ("work_project", p["work_project_id"]))]
    if t == "WorkProjectWarrantyClaimRaised" and p.get("linked_request_id"):
        return [(("request", p["linked_request_id"]), "claimed_under",
                 ("work_project", p["work_project_id"]))]
    if t == "DecisionProposed":
        return ([(("request", r), "led_to", ("decision", p["decision_id"]))
                 for r in p["linked_request_ids"]]
                + [(("decision", p["decision_id"]), "authorised", ("work_project", a["work_project_id"]))
                   for a in p["authorisations"]])
    if t == "RequestResolved" and p.get("work_project_id"):
        return [(("work_project", p["work_project_id"]), "resolved", ("request", p["request_id"]))]
    if t == "RequestMerged":
        return [(("request", p["request_id"]), "merged_into", ("request", p["into_request_id"]))]
    return []


def entry(line):
    return {"position": line["position"], "eventId": line["event_id"],
            "eventType": line["event_type"], "occurredAt": line["occurred_at"],
            "actorRole": line["actor"]["role"], "hash": line["hash"]}


def trace(lines, event_id):
    """What `decisionTrace(eventId)` answers, rebuilt from the export: the causation chain,
    the events it caused, the linked cases upstream and downstream, and the links."""
    by_id = {line["event_id"]: line for line in lines}
    event = by_id[event_id]
    causes, cause = [], event["causation_id"]
    while cause in by_id and len(causes) < TRACE_CAUSES_MAX:
        causes.append(entry(by_id[cause]))
        cause = by_id[cause]["causation_id"]
    effects = [entry(line) for line in lines if line["causation_id"] == event_id]
    forward, backward = defaultdict(set), defaultdict(set)
    streams = defaultdict(list)
    for line in lines:
        for source, relation, target in links_of_event(line):
            forward[source].add((target, relation))
            backward[target].add((source, relation))
        case = case_of(line)
        if case:
            streams[case].append(line)
    subject = case_of(event)
    found = {subject: "SUBJECT"} if subject else {}
    links = set()
    for links_in, role in ((backward, "UPSTREAM"), (forward, "DOWNSTREAM")):
        queue = [subject] if subject else []
        while queue:
            case = queue.pop(0)
            for other, relation in links_in[case]:
                source, target = (case, other) if role == "DOWNSTREAM" else (other, case)
                links.add((source[0], source[1], relation, target[0], target[1]))
                # Upstream follows causes only (a work that resolved a request did not lead to it).
                leads_here = role == "DOWNSTREAM" or relation != "resolved"
                if leads_here and len(found) < TRACE_CASES_MAX and other not in found:
                    found[other] = role
                    queue.append(other)
    cases = []
    for (kind, case_id), role in found.items():
        history = streams[(kind, case_id)][:TRACE_EVENTS_PER_CASE_MAX]
        is_origin = kind == "request" and all(
            relation in ("merged_into", "resolved") for _, relation in backward[(kind, case_id)])
        cases.append({"kind": kind, "caseId": case_id, "role": role, "isOrigin": is_origin,
                      "history": [entry(line) for line in history],
                      "historyIsComplete": len(history) < TRACE_EVENTS_PER_CASE_MAX})
    return {
        "event": entry(event), "causes": causes, "effects": effects[:TRACE_EFFECTS_MAX],
        "cases": cases,
        "links": [{"fromKind": a, "fromId": b, "relation": r, "toKind": c, "toId": d}
                  for a, b, r, c, d in sorted(links)],
        "summary": summary(cases, streams),
    }


def summary(cases, streams):
    """What a review asks of a trace: the originating requests, the decision and its tally,
    the work (planned, delivered), its inspections and what was paid, from the events."""
    payloads = lambda kind, case_id, event_type: [
        line["payload"] for line in streams[(kind, case_id)] if line["event_type"] == event_type]
    decisions = []
    for case in cases:
        if case["kind"] != "decision":
            continue
        tallies = payloads("decision", case["caseId"], "DecisionTallied")
        decisions.append({
            "decisionId": case["caseId"],
            "matter": (payloads("decision", case["caseId"], "DecisionProposed") or [{}])[0].get("matter"),
            "adopted": bool(payloads("decision", case["caseId"], "DecisionAdopted")),
            "tally": tallies[-1]["tally"] if tallies else None,
        })
    works = []
    for case in cases:
        if case["kind"] != "work_project":
            continue
        w = case["caseId"]
        proposed = (payloads("work_project", w, "WorkProjectProposed") or [{}])[0]
        approved = (payloads("work_project", w, "WorkProjectApproved") or [None])[-1]
        contracted = (payloads("work_project", w, "WorkProjectContracted") or [None])[-1]
        completed = (payloads("work_project", w, "WorkProjectCompleted") or [None])[-1]
        inspections = [
            {"eventType": line["event_type"], "occurredAt": line["occurred_at"]}
            for line in streams[("work_project", w)]
            if line["event_type"] in ("WorkProjectInspectionPassed", "WorkProjectInspectionFailed")]
        works.append({
            "workProjectId": w, "title": proposed.get("title"),
            "planned": proposed.get("planned_quantities"),
            "delivered": completed and completed["actual_quantities"],
            "inspections": inspections,
            "payments": {
                "fundingSource": approved and approved["funding_source"],
                "budgetCents": approved and approved["budget_cents"],
                "contractAmountCents": contracted and contracted["contract_amount_cents"],
                "costCents": completed and completed["cost_cents"],
            },
        })
    return {
        "origins": sorted(c["caseId"] for c in cases if c["isOrigin"]),
        "decisions": decisions,
        "works": works,
    }


def completion_of_work(lines, category):
    """The latest completion of the work project of `category` (`unit_door_replacement`)."""
    works = {line["payload"]["work_project_id"] for line in lines
             if line["event_type"] == "WorkProjectProposed"
             and snake(line["payload"]["category"]) == category}
    completions = [line for line in lines if line["event_type"] == "WorkProjectCompleted"
                   and line["payload"]["work_project_id"] in works]
    if not completions:
        raise SystemExit(f"no completed work project of category {category!r}")
    return completions[-1]["event_id"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("export", help="a `govledger export` file (JSON Lines)")
    parser.add_argument("--scope", default="all")
    parser.add_argument("--period", help="2020, 2020-Q2 or 2020-05 (default: every month)")
    parser.add_argument("--every-month", action="store_true",
                        help="every scope x month with a count, one JSON line each")
    parser.add_argument("--as-of", type=int, help="read the ledger up to this position only")
    parser.add_argument("--trace", metavar="EVENT_ID", help="the decision trace of an event")
    parser.add_argument("--trace-work", metavar="CATEGORY",
                        help="the decision trace of the completion of a work of this category")
    args = parser.parse_args()

    lines = read_export(args.export, args.as_of)
    position = len(lines)
    if args.trace or args.trace_work:
        event_id = args.trace or completion_of_work(lines, args.trace_work)
        print(json.dumps({"position": position, **trace(lines, event_id)}, sort_keys=True))
        return
    counters = count(lines)
    if args.every_month:
        for scope, month in sorted(counters.months, key=lambda k: (scope_label(k[0]), k[1])):
            line = {"scope": scope_label(scope), "month": f"{month[0]:04}-{month[1]:02}",
                    "position": position, **report(counters, scope, [month])}
            print(json.dumps(line, sort_keys=True))
        return
    scope = parse_scope(args.scope)
    periods = [args.period] if args.period else sorted(
        {f"{m[0]:04}-{m[1]:02}" for s, m in counters.months if s == scope})
    for period in periods:
        line = {"scope": scope_label(scope), "period": period, "position": position,
                **report(counters, scope, parse_period(period))}
        print(json.dumps(line, sort_keys=True))


if __name__ == "__main__":
    sys.exit(main())

"""Reminders through real sweeps at controlled times, on SQLite and PostgreSQL: 09:00 in each owner's zone,
across a daylight saving change, catch-up after downtime, once whatever the number of sweeps, done and
snoozed milestones, a constant number of statements per sweep."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from bot.plans.directory import import_people
from bot.store.rhythm_tables import Milestone, ReminderDelivery
from tests.rhythm.conftest import PEOPLE, at, counted_statements


def add(rhythm, owner: str, due: date, title: str = "Renewal proposal", account: str = "ACME") -> int:
    return rhythm.service.add_milestone(account=account, owner=owner, due=due, title=title).id


def sent(result) -> list[tuple[str, int, str]]:
    return [(m.recipient, m.milestone_id, m.reminder) for m in result.sent]


def test_reminders_go_at_nine_in_each_owners_zone(team, make_rhythm) -> None:
    rhythm = make_rhythm(KAM_TIMEZONE="Europe/Berlin")  # Chen has no zone of his own
    ann = add(rhythm, "U0AM01", date(2027, 3, 10))  # Asia/Shanghai, UTC+8
    ben = add(rhythm, "U0AM02", date(2027, 3, 10))  # America/New_York, UTC-5 in early March
    chen = add(rhythm, "U0SE01", date(2027, 3, 10))  # KAM_TIMEZONE Europe/Berlin, UTC+1
    expected = [
        ("2027-03-03T00:59:59Z", []),
        ("2027-03-03T01:00:00Z", [("U0AM01", ann, "7_days")]),
        ("2027-03-03T07:59:59Z", []),
        ("2027-03-03T08:00:00Z", [("U0SE01", chen, "7_days")]),
        ("2027-03-03T13:59:59Z", []),
        ("2027-03-03T14:00:00Z", [("U0AM02", ben, "7_days")]),
        ("2027-03-09T01:00:00Z", [("U0AM01", ann, "1_day")]),
        (
            "2027-03-10T01:00:00Z",
            [("U0SE01", chen, "1_day"), ("U0AM02", ben, "1_day"), ("U0AM01", ann, "due")],
        ),
    ]
    for moment, wanted in expected:
        assert sent(rhythm.sweep.run(at(moment))) == wanted, moment
    ann_due = rhythm.sweep.run(at("2027-03-13T01:00:00Z"))  # 3 days overdue at 09:00 in Shanghai
    assert ("U0MGR1", ann, "overdue_manager") in sent(ann_due)


def test_nine_oclock_stays_nine_oclock_across_daylight_saving(team, rhythm) -> None:
    # New York moves to daylight saving time on Sunday 14 March 2027: 09:00 is 14:00Z before, 13:00Z after.
    ben = add(rhythm, "U0AM02", date(2027, 3, 15))
    rhythm.sweep.run(at("2027-01-01T00:00:00Z"))  # plans the reminders
    with rhythm.db.session() as session:
        rows = {r.kind: r.send_at for r in session.scalars(select(ReminderDelivery))}
    assert rows["7_days"] == at("2027-03-08T14:00:00+00:00")
    assert rows["1_day"] == at("2027-03-14T13:00:00+00:00")
    assert rows["due"] == at("2027-03-15T13:00:00+00:00")
    assert rows["overdue_manager"] == at("2027-03-18T13:00:00+00:00")
    assert sent(rhythm.sweep.run(at("2027-03-14T12:59:59Z"))) == [("U0AM02", ben, "7_days")]
    assert sent(rhythm.sweep.run(at("2027-03-14T13:00:00Z"))) == [("U0AM02", ben, "1_day")]


def test_a_sweep_after_downtime_sends_what_it_missed_once(team, rhythm) -> None:
    ann = add(rhythm, "U0AM01", date(2027, 3, 10))
    rhythm.sweep.run(at("2027-02-01T00:00:00Z"))  # last sweep before the scheduler went down
    late = rhythm.sweep.run(at("2027-03-14T00:00:00Z"))
    assert sent(late) == [
        ("U0AM01", ann, "7_days"),
        ("U0AM01", ann, "1_day"),
        ("U0AM01", ann, "due"),
        ("U0MGR1", ann, "overdue_manager"),
    ]
    assert "4 days ago" in late.sent[2].text  # the words say when it was really due
    for moment in ("2027-03-14T00:00:00Z", "2027-03-14T00:05:00Z", "2027-04-01T00:00:00Z"):
        assert rhythm.sweep.run(at(moment)).sent == []
    with rhythm.db.session() as session:
        states = [r.state for r in session.scalars(select(ReminderDelivery))]
    assert states == ["sent"] * 4


def test_a_milestone_set_late_skips_the_reminders_whose_day_is_gone(team, rhythm, clock) -> None:
    clock.now = at("2027-03-08T12:00:00Z")  # 20:00 in Shanghai, two days before the due date
    ann = add(rhythm, "U0AM01", date(2027, 3, 10))
    assert sent(rhythm.sweep.run(at("2027-03-08T12:00:00Z"))) == []  # not a "7 days" reminder now
    assert sent(rhythm.sweep.run(at("2027-03-09T01:00:00Z"))) == [("U0AM01", ann, "1_day")]
    with rhythm.db.session() as session:
        states = {r.kind: r.state for r in session.scalars(select(ReminderDelivery))}
    assert states["7_days"] == "skipped"


def test_done_stops_the_reminders_and_snooze_holds_them(team, rhythm, clock) -> None:
    done = add(rhythm, "U0AM01", date(2027, 3, 10), "Pilot review")
    snoozed = add(rhythm, "U0AM01", date(2027, 3, 10), "Workshop")
    first = rhythm.sweep.run(at("2027-03-03T01:00:00Z"))
    assert sorted(sent(first)) == [("U0AM01", done, "7_days"), ("U0AM01", snoozed, "7_days")]
    clock.now = at("2027-03-03T02:00:00Z")
    rhythm.service.mark_done(done, "U0AM01")
    rhythm.service.snooze(snoozed, date(2027, 3, 12), "U0AM01")
    assert rhythm.sweep.run(at("2027-03-10T01:00:00Z")).sent == []  # 1_day and due: one done, one snoozed
    # Three days past due the manager hears of the snoozed one (a snooze does not hide it from them)...
    manager = rhythm.sweep.run(at("2027-03-13T01:00:00Z"))
    # ...and the owner hears again the day the snooze ends (at 09:00 on the 12th in Shanghai).
    assert sent(manager) == [("U0AM01", snoozed, "snooze_ended"), ("U0MGR1", snoozed, "overdue_manager")]
    views = {v.id: v for v in rhythm.service.list_milestones(states=("open", "snoozed", "done"))}
    assert views[done].state == "done" and views[done].done_by == "U0AM01"
    assert views[snoozed].state == "open" and views[snoozed].snoozed_until is None
    with rhythm.db.session() as session:
        done_rows = session.scalars(select(ReminderDelivery).where(ReminderDelivery.milestone_id == done))
        assert sorted((r.kind, r.state) for r in done_rows) == [
            ("1_day", "cancelled"),
            ("7_days", "sent"),
            ("due", "cancelled"),
            ("overdue_manager", "cancelled"),
        ]


def test_no_manager_means_no_overdue_notice(team, rhythm) -> None:
    olga = add(rhythm, "U0OUT", date(2027, 3, 10))
    result = rhythm.sweep.run(at("2027-03-20T00:00:00Z"))
    assert [kind for _, _, kind in sent(result)] == ["7_days", "1_day", "due"]
    assert result.cancelled == 1 and all(m.milestone_id == olga for m in result.sent)


def test_a_new_time_zone_moves_the_reminders_still_to_come(team, rhythm) -> None:
    add(rhythm, "U0AM01", date(2027, 3, 10))
    rhythm.sweep.run(at("2027-03-03T01:00:00Z"))  # 7_days sent in Shanghai
    import_people(rhythm.db, PEOPLE.replace("false,Asia/Shanghai,en", "false,Europe/London,en"))
    assert rhythm.sweep.run(at("2027-03-09T01:00:00Z")).sent == []  # 01:00 in London: not yet
    assert [m.reminder for m in rhythm.sweep.run(at("2027-03-09T09:00:00Z")).sent] == ["1_day"]


def test_reminders_speak_the_owners_language(team, rhythm) -> None:
    add(rhythm, "U0AM03", date(2027, 3, 10), "续约方案", "华为")
    (message,) = rhythm.sweep.run(at("2027-03-03T01:00:00Z")).sent
    assert message.language == "zh"
    assert message.text.startswith("提醒：华为的“续约方案”将于2027年3月10日周三到期，还有7天。")
    assert message.plan_link == "/kam plan 华为"


def test_statements_per_sweep_do_not_grow_with_milestones_not_due(team, rhythm) -> None:
    for day in range(5):
        add(rhythm, "U0AM01", date(2027, 6, 1) + timedelta(days=day))
    rhythm.sweep.run(at("2027-03-01T00:00:00Z"))  # plans them
    with counted_statements(rhythm.db.engine) as few:
        rhythm.sweep.run(at("2027-03-01T00:00:00Z"))
    with rhythm.db.session() as session:  # 300 more, in one go
        account_id = session.scalar(select(Milestone.account_id))
        session.add_all(
            Milestone(
                account_id=account_id,
                owner_id="U0AM02",
                due_date=date(2027, 7, 1) + timedelta(days=n % 100),
                kind="ad_hoc",
                title=f"Task {n}",
                state="open",
                source="ad_hoc",
            )
            for n in range(300)
        )
    rhythm.sweep.run(at("2027-03-01T00:00:00Z"))
    with counted_statements(rhythm.db.engine) as many:
        rhythm.sweep.run(at("2027-03-01T00:00:00Z"))
    assert len(many) == len(few) and len(few) <= 6, (few, many)

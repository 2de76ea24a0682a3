// Reads each iCalendar file named on the command line with the two JavaScript parsers the
// issue's calendar programs use: ical.js (Thunderbird) and node-ical. Prints what each saw,
// as JSON, for tests/bookings/outbox/test_parsers.py to compare with what was written.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";
import nodeIcal from "node-ical";

function icaljs(text) {
  const calendar = new ICAL.Component(ICAL.parse(text));
  const duration = (name) => {
    const value = calendar.getFirstPropertyValue(name);
    return value == null ? null : ICAL.Duration.fromString(String(value)).toSeconds();
  };
  return {
    method: calendar.getFirstPropertyValue("method"),
    ttl: duration("x-published-ttl"),
    events: calendar.getAllSubcomponents("vevent").map((vevent) => {
      const event = new ICAL.Event(vevent);
      const attendee = vevent.getFirstProperty("attendee");
      const organizer = vevent.getFirstProperty("organizer");
      const conference = vevent.getFirstProperty("conference");
      return {
        uid: event.uid,
        sequence: event.sequence,
        start: event.startDate.toJSDate().toISOString(),
        status: vevent.getFirstPropertyValue("status"),
        location: event.location,
        attendee: attendee ? attendee.getParameter("cn") ?? null : null,
        organizer: organizer ? organizer.getParameter("cn") ?? null : null,
        conference: conference ? conference.getFirstValue() : null,
      };
    }),
  };
}

function nodeical(text) {
  const parsed = nodeIcal.sync.parseICS(text);
  const cn = (person) => (person && person.params ? person.params.CN ?? null : null);
  const events = Object.values(parsed).filter((item) => item.type === "VEVENT");
  const calendar = Object.values(parsed).find((item) => item.type === "VCALENDAR") || {};
  return {
    method: calendar.method ?? null,
    events: events.map((event) => ({
      uid: event.uid,
      sequence: Number(event.sequence),
      start: new Date(event.start).toISOString(),
      status: event.status ?? null,
      location: typeof event.location === "string" ? event.location : event.location?.val,
      attendee: cn(event.attendee),
      organizer: cn(event.organizer),
    })),
  };
}

const results = {};
for (const path of process.argv.slice(2)) {
  const text = readFileSync(path, "utf8");
  results[path] = {};
  for (const [name, parse] of [["ical.js", icaljs], ["node-ical", nodeical]]) {
    try {
      results[path][name] = parse(text);
    } catch (error) {
      results[path][name] = { error: String(error && error.message ? error.message : error) };
    }
  }
}
process.stdout.write(JSON.stringify(results));

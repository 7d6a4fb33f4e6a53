"""Notifications: what puts them in the outbox (the alert scan, milestones, progress), and the
worker that sends them at Telegram's pace (pacing, scheduler, the operator's commands)."""

"""Webhooks per company: subscriptions, a delivery queue, signed POSTs sent by `flask send-webhooks`."""

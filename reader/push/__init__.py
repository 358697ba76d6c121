"""Web Push: VAPID keys, subscriptions, alerts and the fan-out engine (RFC 8030, 8291, 8292)."""

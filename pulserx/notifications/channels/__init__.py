"""A user's own channels (ntfy, Telegram, Signal, Matrix, SMS, webhooks, MQTT): what each
service asks for, how its settings are sealed, which addresses it may reach, the one
place that adds, changes, tests and removes a channel, and Take / Skip from a channel
(buttons, and replies by SMS or in a Matrix room).

Nothing here imports Apprise or paho-mqtt: only the transports do, when they send.
"""

"""The notifications WebSocket: authenticate, join the user's own inbox group, forward."""

from __future__ import annotations

from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from pulserx.live import inbox_group, session_group

UNAUTHENTICATED = 4401
SESSION_ENDED = 4403


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    """Each socket listens to exactly one group, derived from the session's user: there is
    no way to ask for someone else's events."""

    group: str | None = None
    session: str | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=UNAUTHENTICATED)
            return
        self.group = inbox_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        session = self.scope.get("session")
        if session is not None and session.session_key:
            self.session = session_group(session.session_key)
            await self.channel_layer.group_add(self.session, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        for group in (self.group, self.session):
            if group is not None:
                await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def inbox_event(self, message: dict[str, Any]) -> None:
        await self.send_json(message["event"])

    async def session_end(self, message: dict[str, Any]) -> None:
        """Signed out, or the password changed: stop listening at once. A page that
        reconnects with a still-valid session is let in again."""
        await self.close(code=SESSION_ENDED)

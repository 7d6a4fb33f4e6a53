"""Files users send to the bot: a document in a message, getFile, and the download of its bytes."""

from __future__ import annotations

from aiohttp import web

from bot.devtools.fakeapi.entities import command_entities
from bot.devtools.fakeapi.errors import bad
from bot.devtools.fakeapi.records import Params, UploadedFile
from bot.devtools.fakeapi.users import UserInput

FILE_PATH_PREFIX = "documents/"


class UserFiles(UserInput):
    """A user sends a document (kept by file_id, like the bot's uploads); the bot reads it with
    getFile and downloads it from /file/bot<token>/<file_path>, as from Telegram."""

    def send_document(
        self,
        user_id: int,
        filename: str,
        content: bytes,
        *,
        caption: str | None = None,
        mime_type: str | None = None,
        file_size: int | None = None,
        language_code: str | None = None,
    ) -> Params:
        """The user sends a file; `file_size` may claim another size than the content's (what
        Telegram says of a file too big to download). Returns the Message queued."""
        user = self.add_user(user_id, language_code=language_code)
        upload = UploadedFile(filename, content, mime_type)
        upload.file_id = f"Fusr{len(self.files) + 1:06d}"
        self.files[upload.file_id] = upload
        document: Params = {
            "file_id": upload.file_id,
            "file_unique_id": upload.file_id + "u",
            "file_name": filename,
            "file_size": len(content) if file_size is None else file_size,
        }
        if mime_type:
            document["mime_type"] = mime_type
        message: Params = {"document": document}
        if caption is not None:
            message["caption"] = caption
            if entities := command_entities(caption):
                message["caption_entities"] = entities
        return self._user_message(user, message)

    def _get_file(self, params: Params) -> Params:
        upload = self.files.get(str(params.get("file_id", "")))
        if upload is None:
            raise bad("invalid file_id")
        return {
            "file_id": upload.file_id,
            "file_unique_id": upload.file_id + "u",
            "file_size": len(upload.content),
            "file_path": FILE_PATH_PREFIX + upload.file_id,
        }

    async def _download(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        upload = self.files.get(path.removeprefix(FILE_PATH_PREFIX))
        if request.match_info["token"] != self.token or upload is None:
            return web.Response(status=404, text="Not Found")
        return web.Response(body=upload.content, content_type="application/octet-stream")

    def add_file_routes(self, app: web.Application) -> None:
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)

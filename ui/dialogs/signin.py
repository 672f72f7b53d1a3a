"""Sign-in: badge number (工作证编号, rule 41), role (rule 61) and window name; a focusable dialog."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from assistant.domain.rules import ROLES
from ui.dialogs.form import FormDialog, FormField


class SignInDialog(FormDialog):
    """Asks for the badge number, the role and the window; gives the focus back when closed."""

    def __init__(
        self, window: str = "", clerk: str = "", role: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(
            self.tr("签到"),
            [
                FormField(
                    "clerk", self.tr("工作证编号"), default=clerk, hint=self.tr("胸牌上的编号（第 41 条）")
                ),
                FormField("role", self.tr("岗位"), "choice", ROLES, default=role or ROLES[0]),
                FormField(
                    "window",
                    self.tr("窗口名称"),
                    default=window,
                    required=False,
                    hint=self.tr("例如：社保3号窗口"),
                ),
            ],
            note=self.tr("请输入工作证编号并选择岗位（第 41、61 条）。"),
            parent=parent,
        )
        self.setObjectName("signin_dialog")
        role_box = self.inputs["role"]
        role_box.setEditable(False)  # type: ignore[attr-defined]

    def data(self) -> dict[str, str]:
        """The sign_in command's data."""
        return self.values()

"""Small focusable dialogs: sign-in, checklist, forms."""

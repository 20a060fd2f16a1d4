"""The app's pages: each module has ``render(ctx)`` and draws one page from a PageContext."""

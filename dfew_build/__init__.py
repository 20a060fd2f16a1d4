"""dfew_build package."""

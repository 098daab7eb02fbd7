"""What a rep reviews: the daily agenda and the reports; reads every domain package."""

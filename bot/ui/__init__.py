"""What users see: texts and formatting, keyboards and callback data, cards, lists, alert texts."""

"""The event categories (事件分类) with their dispatch and handling limits."""

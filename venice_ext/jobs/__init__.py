"""Video and audio jobs: quote, queue, poll, download and resume, in one place."""

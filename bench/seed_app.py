"""Seed SkillStream's database for the page benchmark; run by `manage.py shell -c`.

Creators, ready videos with searchable titles and tags, comments, likes and subscriptions,
through the app's own models (bulk inserts; one password hash shared by every user).
Prints one JSON line: video ids, the logged-in user's session cookie and counts.
Sizes come from BENCH_SEED_* environment variables.
"""

import json
import os
import random

from apps.accounts.models import Subscription
from apps.videos.models import Comment, Like, Video
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.auth.hashers import make_password
from django.utils.module_loading import import_string

USERS = int(os.environ.get("BENCH_SEED_USERS", "200"))
VIDEOS = int(os.environ.get("BENCH_SEED_VIDEOS", "2000"))
COMMENTS = int(os.environ.get("BENCH_SEED_COMMENTS", "20000"))
LIKES = int(os.environ.get("BENCH_SEED_LIKES", "20000"))
TOPICS = [
    "python",
    "django",
    "testing",
    "postgres",
    "redis",
    "ansible",
    "heroku",
    "docker",
    "javascript",
    "css",
    "linux",
    "git",
    "security",
    "performance",
    "design",
    "sql",
]
WORDS = [
    "intro",
    "deep",
    "dive",
    "advanced",
    "patterns",
    "in",
    "practice",
    "from",
    "scratch",
    "tips",
    "mistakes",
    "guide",
    "fast",
    "production",
    "debugging",
    "beginners",
]

rng = random.Random(42)
User = get_user_model()
password = make_password("bench-password-not-secret")
users = User.objects.bulk_create(
    User(
        email=f"bench{i}@example.com",
        handle=f"bench-{i}",
        display_name=f"Bench Creator {i}",
        password=password,
    )
    for i in range(USERS)
)
videos = []
for i in range(VIDEOS):
    topic, other = rng.sample(TOPICS, 2)
    title = f"{topic.title()} {' '.join(rng.sample(WORDS, 3))} #{i}"
    videos.append(
        Video(
            owner=users[i % USERS],
            title=title,
            description=f"A lesson about {topic} and {other}. " * rng.randint(2, 8),
            tags=f"{topic}, {other}",
            file=f"videos/{users[i % USERS].pk}/{i:05d}.mp4",
            status=Video.Status.READY,
            content_type="video/mp4",
            size_bytes=rng.randint(5, 500) * 1024 * 1024,
            duration_seconds=rng.randint(60, 3600),
            view_count=rng.randint(0, 10000),
        )
    )
videos = Video.objects.bulk_create(videos, batch_size=1000)
Comment.objects.bulk_create(
    (
        Comment(
            video=rng.choice(videos),
            author=rng.choice(users),
            body=f"Thanks, the part about {rng.choice(TOPICS)} helped. " * rng.randint(1, 4),
        )
        for _ in range(COMMENTS)
    ),
    batch_size=2000,
)
pairs = {(rng.randrange(USERS), rng.randrange(VIDEOS)) for _ in range(LIKES)}
Like.objects.bulk_create((Like(user=users[u], video=videos[v]) for u, v in pairs), batch_size=2000)
subs = {(rng.randrange(USERS), rng.randrange(USERS)) for _ in range(USERS * 5)}
Subscription.objects.bulk_create(
    (Subscription(subscriber=users[a], channel=users[b]) for a, b in subs if a != b),
    batch_size=2000,
)

# A logged-in session for the dashboard, made the way django.contrib.auth.login makes one.
creator = users[0]
store = import_string(f"{settings.SESSION_ENGINE}.SessionStore")()
store[SESSION_KEY] = str(creator.pk)
store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
store[HASH_SESSION_KEY] = creator.get_session_auth_hash()
store.create()
busiest = Video.objects.filter(owner=creator).order_by("pk").first()
# The logged-in watch page: someone else's video, as most pages a viewer opens are.
elsewhere = Video.objects.exclude(owner=creator).order_by("pk").first()
print(
    json.dumps(
        {
            "video_id": busiest.pk,
            "other_video_id": elsewhere.pk,
            "cookie": f"{settings.SESSION_COOKIE_NAME}={store.session_key}",
            "users": USERS,
            "videos": VIDEOS,
            "comments": Comment.objects.count(),
            "likes": Like.objects.count(),
            "creator_videos": Video.objects.filter(owner=creator).count(),
        }
    )
)

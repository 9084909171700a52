# tickerd in a container: build with the -dev packages, run on a slim
# bookworm with only the runtime libraries, as a non-root user.
#
#   podman build --format docker -t tickerd .      (or: docker build -t tickerd .)
#   docker run -d --name tickerd -p 127.0.0.1:8765:8765 tickerd
#   docker run ... -v ./my.json:/etc/tickerd/tickerd.json:ro tickerd
#
# The image's config (config/docker.json) listens on 0.0.0.0:8765 inside
# the container; publish the port to the host's loopback as above.  A
# mounted config must listen on 0.0.0.0:8765 too for the HEALTHCHECK.

FROM debian:bookworm AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
	build-essential cmake pkg-config \
	libwebsockets-dev libjansson-dev libsystemd-dev libnats-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF \
 && cmake --build /build --target tickerd -j"$(nproc)" \
 && strip /build/daemon/tickerd \
 && /build/daemon/tickerd -c config/docker.json --check-config

FROM debian:bookworm
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
	libwebsockets17 libjansson4 libsystemd0 libnats3.4 ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --no-create-home \
	--home-dir /nonexistent --shell /usr/sbin/nologin tickerd
COPY --from=build /build/daemon/tickerd /usr/local/bin/tickerd
COPY config/docker.json /etc/tickerd/tickerd.json
USER tickerd:tickerd
EXPOSE 8765
# Healthy while /health answers 200: ok or degraded (some exchange
# delivers); down (none does) and stopping answer 503.  bash's /dev/tcp
# reads the status line: no HTTP client needed in the image.  The start
# period leaves time to connect to the exchanges and see their data.
HEALTHCHECK --interval=30s --timeout=3s --start-period=15s --retries=3 \
	CMD ["/bin/bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8765 && printf 'GET /health HTTP/1.0\\r\\nHost: 127.0.0.1\\r\\n\\r\\n' >&3 && read -r -t 2 proto code rest <&3 && [ \"$code\" = 200 ]"]
# tickerd is PID 1 (exec form): SIGTERM goes straight to it, and it stops
# within a second, closing clients with 1001.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/tickerd"]
CMD ["-c", "/etc/tickerd/tickerd.json"]

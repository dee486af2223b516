//! go-plugin's side services: `plugin.GRPCController` (Shutdown stops the
//! server; GP `grpc_controller.go`) and `plugin.GRPCStdio` (a stream that
//! stays open with no data until shutdown; infra sends no output through
//! it, it logs to stderr).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::sync::watch;
use tonic::{Request, Response, Status};

use crate::proto::goplugin::{Empty, StdioData, grpc_controller_server, grpc_stdio_server};

/// Answers `Shutdown` by raising the shutdown flag.
pub(crate) struct Controller {
    pub(crate) shutdown: watch::Sender<bool>,
}

#[tonic::async_trait]
impl grpc_controller_server::GrpcController for Controller {
    async fn shutdown(&self, _request: Request<Empty>) -> Result<Response<Empty>, Status> {
        tracing::debug!("plugin server: GRPCController.Shutdown received");
        self.shutdown.send_replace(true);
        Ok(Response::new(Empty {}))
    }
}

/// Answers `StreamStdio` with a stream that ends at shutdown.
pub(crate) struct Stdio {
    pub(crate) shutdown: watch::Receiver<bool>,
}

#[tonic::async_trait]
impl grpc_stdio_server::GrpcStdio for Stdio {
    type StreamStdioStream = UntilShutdown;

    async fn stream_stdio(
        &self,
        _request: Request<Empty>,
    ) -> Result<Response<UntilShutdown>, Status> {
        Ok(Response::new(UntilShutdown(Box::pin(shutdown_raised(
            self.shutdown.clone(),
        )))))
    }
}

/// Resolves once the flag is true (or its sender is gone).
pub(crate) async fn shutdown_raised(mut flag: watch::Receiver<bool>) {
    let _ = flag.wait_for(|raised| *raised).await;
}

/// A stream with no items that ends when its future resolves.
pub(crate) struct UntilShutdown(Pin<Box<dyn Future<Output = ()> + Send>>);

impl tokio_stream::Stream for UntilShutdown {
    type Item = Result<StdioData, Status>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.0.as_mut().poll(cx).map(|()| None)
    }
}

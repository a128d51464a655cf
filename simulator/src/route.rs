//! [`Route`]: every endpoint the simulator serves, by the name the SDK gives its operation.
//!
//! Routes key the rate limits, the fault rules and the request statistics.

use std::fmt;

/// One endpoint of the simulator: the 14 documented methods, the OAuth2 token endpoint and
/// the download route behind the signed links.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Route {
    /// `GET /api/machineactions`
    ListMachineActions,
    /// `GET /api/machineactions/{id}`
    GetMachineAction,
    /// `POST /api/machines/{id}/collectInvestigationPackage`
    CollectInvestigationPackage,
    /// `GET /api/machineactions/{id}/GetPackageUri`
    GetPackageUri,
    /// `POST /api/machines/{id}/isolate`
    IsolateMachine,
    /// `POST /api/machines/{id}/unisolate`
    UnisolateMachine,
    /// `POST /api/machines/{id}/restrictCodeExecution`
    RestrictCodeExecution,
    /// `POST /api/machines/{id}/unrestrictCodeExecution`
    UnrestrictCodeExecution,
    /// `POST /api/machines/{id}/runAntiVirusScan`
    RunAntiVirusScan,
    /// `POST /api/machines/{id}/offboard`
    OffboardMachine,
    /// `POST /api/machines/{id}/StopAndQuarantineFile`
    StopAndQuarantineFile,
    /// `POST /api/machines/{id}/runliveresponse`
    RunLiveResponse,
    /// `GET /api/machineactions/{id}/GetLiveResponseResultDownloadLink(index={n})`
    GetLiveResponseResultDownloadLink,
    /// `POST /api/machineactions/{id}/cancel`
    CancelMachineAction,
    /// `POST /{tenant}/oauth2/v2.0/token`: the local OAuth2 client-credentials endpoint.
    Token,
    /// `GET /safedownload/...` and `GET /investigation-actions-data/...`: the signed links.
    Download,
}

impl Route {
    /// Every route.
    pub const ALL: &'static [Route] = &[
        Route::ListMachineActions,
        Route::GetMachineAction,
        Route::CollectInvestigationPackage,
        Route::GetPackageUri,
        Route::IsolateMachine,
        Route::UnisolateMachine,
        Route::RestrictCodeExecution,
        Route::UnrestrictCodeExecution,
        Route::RunAntiVirusScan,
        Route::OffboardMachine,
        Route::StopAndQuarantineFile,
        Route::RunLiveResponse,
        Route::GetLiveResponseResultDownloadLink,
        Route::CancelMachineAction,
        Route::Token,
        Route::Download,
    ];

    /// The operation's name as the SDK spells it (`isolateMachine`, ...); `token` and
    /// `download` for the two routes outside the API.
    pub fn name(self) -> &'static str {
        match self {
            Route::ListMachineActions => "listMachineActions",
            Route::GetMachineAction => "getMachineAction",
            Route::CollectInvestigationPackage => "collectInvestigationPackage",
            Route::GetPackageUri => "getPackageUri",
            Route::IsolateMachine => "isolateMachine",
            Route::UnisolateMachine => "unisolateMachine",
            Route::RestrictCodeExecution => "restrictCodeExecution",
            Route::UnrestrictCodeExecution => "unrestrictCodeExecution",
            Route::RunAntiVirusScan => "runAntiVirusScan",
            Route::OffboardMachine => "offboardMachine",
            Route::StopAndQuarantineFile => "stopAndQuarantineFile",
            Route::RunLiveResponse => "runLiveResponse",
            Route::GetLiveResponseResultDownloadLink => "getLiveResponseResultDownloadLink",
            Route::CancelMachineAction => "cancelMachineAction",
            Route::Token => "token",
            Route::Download => "download",
        }
    }

    /// True for the 14 methods of the API (they need a bearer token and are rate limited).
    pub fn is_api(self) -> bool {
        !matches!(self, Route::Token | Route::Download)
    }

    /// The route of an SDK operation name (`isolateMachine`), or of `token` / `download`.
    pub fn from_name(name: &str) -> Option<Route> {
        Route::ALL.iter().copied().find(|route| route.name() == name)
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

//! A small community served by the real binary: a temp data dir, API tokens made with
//! `govledger token create` (before the server starts, or while it runs), and the directory
//! (community, one compound, building, unit and grid, five organisations, seven accounts with
//! their roles) built through `executeCommand` by the administrator, as an operator would.

use std::path::{Path, PathBuf};

use govledger_core::domain::command::Command;
use govledger_core::domain::directory::commands::DirectoryCommand;
use govledger_core::domain::ids::{
    AccountId, BuildingId, CommunityId, CompoundId, GridId, OrganisationId, PersonId, UnitId,
};
use govledger_core::domain::role::{OrganisationKind, Role};
use govledger_core::time::Timestamp;
use tempfile::TempDir;
use uuid::Uuid;

use crate::e2e::backend::{Backend, BackendLedger};
use crate::e2e::client::Client;
use crate::e2e::process::{Server, run_cli};

/// The prefix every token carries (`govledger_graphql::access::TOKEN_PREFIX`).
const TOKEN_PREFIX: &str = "glt_";
/// Roles are held from this date, well before anything the tests record.
const ROLES_FROM: (i32, u8, u8) = (2020, 1, 1);

/// An account acting in one role for one organisation, with its API token.
#[derive(Debug, Clone)]
pub struct Member {
    pub account_id: Uuid,
    pub role: Role,
    pub organisation_id: Uuid,
    pub person_id: Option<Uuid>,
    pub token: String,
}

/// The organisations of the community.
#[derive(Debug, Clone, Copy)]
pub struct Organisations {
    /// The residents' committee, made by the bootstrap.
    pub community_committee: Uuid,
    pub service_station: Uuid,
    pub party_committee: Uuid,
    pub property_company: Uuid,
    pub audit_office: Uuid,
}

/// Where things are.
#[derive(Debug, Clone, Copy)]
pub struct Places {
    pub community_id: Uuid,
    pub compound_id: Uuid,
    pub building_id: Uuid,
    pub unit_id: Uuid,
    pub grid_id: Uuid,
}

/// Everyone who acts in the tests.
#[derive(Debug, Clone)]
pub struct Cast {
    pub administrator: Member,
    pub clerk: Member,
    pub resident: Member,
    pub party_member: Member,
    pub dispatcher: Member,
    pub inspector: Member,
    pub auditor: Member,
}

impl Cast {
    fn all(&self) -> [&Member; 7] {
        [
            &self.administrator,
            &self.clerk,
            &self.resident,
            &self.party_member,
            &self.dispatcher,
            &self.inspector,
            &self.auditor,
        ]
    }
}

/// A running server over its own data directory, with its cast.
pub struct World {
    /// Killed first when the world is dropped (fields drop in declaration order)…
    server: Option<Server>,
    /// …then the data directory is deleted.
    dir: TempDir,
    pub cast: Cast,
    pub organisations: Organisations,
    pub places: Places,
    /// Flags every `serve` of this world gets (`--ledger postgres://…`, say).
    serve_args: Vec<String>,
    /// The ledger's PostgreSQL database, if any: dropped after the server.
    ledger: Option<BackendLedger>,
}

impl World {
    /// Tokens, a server, and the directory built through mutations.
    pub async fn start() -> World {
        World::start_serving_with(&[]).await
    }

    /// The same with the ledger on `backend` (a fresh database on PostgreSQL).
    pub async fn start_on(backend: Backend) -> World {
        let ledger = BackendLedger::create(backend);
        let serve_args: Vec<String> = ledger
            .serve_args()
            .into_iter()
            .map(str::to_string)
            .collect();
        World::start_with(serve_args, Some(ledger)).await
    }

    /// The same, every `serve` getting `serve_args` too (`--ledger postgres://…`).
    pub async fn start_serving_with(serve_args: &[&str]) -> World {
        let serve_args = serve_args.iter().map(|arg| arg.to_string()).collect();
        World::start_with(serve_args, None).await
    }

    async fn start_with(serve_args: Vec<String>, ledger: Option<BackendLedger>) -> World {
        let dir = tempfile::tempdir().expect("a temp dir");
        let data = dir.path().join("data");
        let organisations = Organisations {
            community_committee: Uuid::now_v7(),
            service_station: Uuid::now_v7(),
            party_committee: Uuid::now_v7(),
            property_company: Uuid::now_v7(),
            audit_office: Uuid::now_v7(),
        };
        let places = Places {
            community_id: Uuid::now_v7(),
            compound_id: Uuid::now_v7(),
            building_id: Uuid::now_v7(),
            unit_id: Uuid::now_v7(),
            grid_id: Uuid::now_v7(),
        };
        let o = organisations;
        let member = |role: Role, organisation_id: Uuid, person: Option<Uuid>| {
            let account_id = Uuid::now_v7();
            let token = create_token(&data, account_id, role, organisation_id).secret;
            Member {
                account_id,
                role,
                organisation_id,
                person_id: person,
                token,
            }
        };
        let cast = Cast {
            administrator: member(Role::DirectoryAdministrator, o.community_committee, None),
            clerk: member(Role::StationClerk, o.service_station, None),
            resident: member(Role::Resident, o.community_committee, Some(Uuid::now_v7())),
            party_member: member(Role::PartyCommitteeMember, o.party_committee, None),
            dispatcher: member(Role::PropertyDispatcher, o.property_company, None),
            inspector: member(Role::Inspector, o.community_committee, None),
            auditor: member(Role::Auditor, o.audit_office, None),
        };
        let mut world = World {
            server: None,
            dir,
            cast,
            organisations,
            places,
            serve_args,
            ledger,
        };
        world.serve();
        world.build_directory().await;
        world
    }

    /// The data directory (`ledger/`, `projections/`, `personal/`, `access/`).
    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// The flags a CLI command needs to open this world's ledger beside `--data`:
    /// `--ledger <url>` when it is on PostgreSQL (`start_on`), none on sled.
    pub fn ledger_args(&self) -> Vec<&str> {
        self.ledger
            .as_ref()
            .map(BackendLedger::serve_args)
            .unwrap_or_default()
    }

    /// A scratch path beside the data directory (export files, a second data dir).
    pub fn scratch(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The server's log (stderr), across restarts.
    pub fn log(&self) -> PathBuf {
        self.dir.path().join("server.log")
    }

    fn serve(&mut self) {
        let data = self.data();
        let data = data.to_str().expect("temp paths are UTF-8");
        let mut args = vec!["serve", "--data", data];
        args.extend(self.serve_args.iter().map(String::as_str));
        self.server = Some(Server::start(&args, &self.log()));
    }

    fn server(&self) -> &Server {
        self.server.as_ref().expect("the server is running")
    }

    /// `host:port` of the running server.
    pub fn address(&self) -> String {
        self.server().address()
    }

    /// A client with `member`'s token.
    pub fn client(&self, member: &Member) -> Client {
        Client::new(&self.address(), Some(&member.token))
    }

    /// A client without a token: the public view.
    pub fn public(&self) -> Client {
        Client::new(&self.address(), None)
    }

    /// Stops the server with SIGTERM; returns its exit code.
    pub fn stop(&mut self) -> Option<i32> {
        self.server.take().expect("the server is running").stop()
    }

    /// Kills the server with SIGKILL, as a power cut or the OOM killer would.
    pub fn kill(&mut self) {
        self.server.take().expect("the server is running").kill();
    }

    /// Starts the server again on the same data directory.
    pub fn restart(&mut self) {
        assert!(
            self.server.is_none(),
            "stop the server before restarting it"
        );
        self.serve();
    }

    /// Starts the server again on the same data directory, from now on with `serve_args`.
    pub fn restart_serving_with(&mut self, serve_args: &[&str]) {
        self.serve_args = serve_args.iter().map(|arg| arg.to_string()).collect();
        self.restart();
    }

    async fn build_directory(&self) {
        let c = &self.cast;
        let o = self.organisations;
        let p = self.places;
        let admin = self.client(&c.administrator);
        let directory = |command: DirectoryCommand| Command::Directory(command);
        admin
            .run(&directory(DirectoryCommand::Bootstrap {
                community_id: CommunityId(p.community_id),
                name: "Wanghai Community".into(),
                subdistrict: "Shijiu Subdistrict".into(),
                city: "Rizhao, Shandong".into(),
                founded_year: 2006,
                registered_households: 4_144,
                resident_households: 2_771,
                residents: 6_723,
                committee_organisation_id: OrganisationId(o.community_committee),
                committee_name: "Wanghai Community Residents' Committee".into(),
                administrator_account_id: AccountId(c.administrator.account_id),
                administrator_person_id: None,
            }))
            .await;
        let places = [
            DirectoryCommand::RegisterCompound {
                compound_id: CompoundId(p.compound_id),
                name: "Sun Coast".into(),
                registered_households: 360,
            },
            DirectoryCommand::RegisterBuilding {
                building_id: BuildingId(p.building_id),
                compound_id: CompoundId(p.compound_id),
                name: "Sun Coast Building 1".into(),
                floors: 18,
            },
            DirectoryCommand::RegisterUnit {
                unit_id: UnitId(p.unit_id),
                building_id: BuildingId(p.building_id),
                label: "1-1-0101".into(),
                floor_area_dm2: 9_000,
            },
            DirectoryCommand::RegisterGrid {
                grid_id: GridId(p.grid_id),
                parent_grid_id: None,
                name: "Sun Coast Grid".into(),
                compound_ids: vec![CompoundId(p.compound_id)],
                building_ids: vec![BuildingId(p.building_id)],
            },
        ];
        let organisations = [
            (
                o.service_station,
                OrganisationKind::ServiceStation,
                "Wanghai Service Station",
            ),
            (
                o.party_committee,
                OrganisationKind::CommunityPartyCommittee,
                "Wanghai Community Party Committee",
            ),
            (
                o.property_company,
                OrganisationKind::PropertyCompany,
                "Bluewave Property Services (fictional)",
            ),
            (
                o.audit_office,
                OrganisationKind::AuditOffice,
                "Shijiu Review Office (fictional)",
            ),
        ]
        .map(|(id, kind, name)| DirectoryCommand::RegisterOrganisation {
            organisation_id: OrganisationId(id),
            kind,
            name: name.into(),
            compound_id: None,
            grid_id: None,
        });
        let (year, month, day) = ROLES_FROM;
        let roles_from = Timestamp::from_civil(year, month, day).expect("a real date");
        let members = c.all();
        // The administrator's account and role came with the bootstrap.
        let accounts = members[1..].iter().flat_map(|member| {
            [
                DirectoryCommand::OpenAccount {
                    account_id: AccountId(member.account_id),
                    person_id: member.person_id.map(PersonId),
                },
                DirectoryCommand::GrantRole {
                    account_id: AccountId(member.account_id),
                    organisation_id: OrganisationId(member.organisation_id),
                    role: member.role,
                    starts_at: roles_from,
                    ends_at: None,
                },
            ]
        });
        for command in places.into_iter().chain(organisations).chain(accounts) {
            admin.run(&directory(command)).await;
        }
    }
}

/// A token as `govledger token create` printed it.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    /// What `token list` and `token revoke` name it by.
    pub token_id: String,
    /// The secret, printed once.
    pub secret: String,
}

/// `govledger token --data DIR create …`: its id and the secret it prints once.
pub fn create_token(
    data: &Path,
    account_id: Uuid,
    role: Role,
    organisation_id: Uuid,
) -> IssuedToken {
    create_token_on(data, &[], account_id, role, organisation_id)
}

/// `govledger token --data DIR <ledger…> create …` (`ledger`: `--ledger postgres://…`, say):
/// its id and the secret it prints once.
pub fn create_token_on(
    data: &Path,
    ledger: &[&str],
    account_id: Uuid,
    role: Role,
    organisation_id: Uuid,
) -> IssuedToken {
    let data = data.to_str().expect("temp paths are UTF-8");
    let (account, organisation) = (account_id.to_string(), organisation_id.to_string());
    let output = run_cli(
        &[
            &["token", "--data", data],
            ledger,
            &[
                "create",
                "--account",
                &account,
                "--role",
                role.as_str(),
                "--organisation",
                &organisation,
                "--label",
                "e2e",
            ],
        ]
        .concat(),
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "token create failed: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let secret = stdout
        .lines()
        .find(|line| line.starts_with(TOKEN_PREFIX))
        .unwrap_or_else(|| panic!("token create printed no token: {stdout}"))
        .to_string();
    let token_id = stdout
        .lines()
        .find_map(|line| line.strip_prefix("token id "))
        .unwrap_or_else(|| panic!("token create printed no token id: {stdout}"))
        .to_string();
    IssuedToken { token_id, secret }
}

/// `govledger token --data DIR <args…>`; returns its stdout, panicking on failure.
pub fn token_command(data: &Path, args: &[&str]) -> String {
    token_command_on(data, &[], args)
}

/// `govledger token --data DIR <ledger…> <args…>`; returns its stdout, panicking on failure.
pub fn token_command_on(data: &Path, ledger: &[&str], args: &[&str]) -> String {
    let data = data.to_str().expect("temp paths are UTF-8");
    let output = run_cli(&[&["token", "--data", data], ledger, args].concat());
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "token {args:?} failed: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.28;

/// What the referee reads from the on-chain verifier (StatementCheck.sol).
interface IStatementCheck {
    function imageId() external view returns (bytes32);
    function vkDigest() external view returns (bytes32);
    function accepted(bytes32 key) external view returns (bool);
}

/// @title BattleshipReferee: stakes, board commitments, shots and optimistic answers of
/// zero-knowledge battleship games, settled against receipts of ONE guest image
/// (examples/battleship) ACCEPTed by the on-chain STARK verifier.
/// @notice Design (docs/onchain.md, "The Battleship referee"): optimistic answers.
/// * Deployment pins the guest's image ID and the StatementCheck whose ACCEPT records are
///   trusted; the constructor requires `verifier.imageId() == imageId`.
/// * `create(commitment, opponent)` with the stake, `join(id, commitment)` with the same
///   stake.  A board commitment (the journal's sha256(board || salt)) can be used in ONE
///   game only, ever (`commitmentUsed`): ACCEPT records of earlier games cannot be
///   replayed, and the two players of a game have different commitments.
/// * Shot k is fired by player k % 2 (the creator fires shot 0); the defender answers it
///   with `answer(id, hit, x, y)`, which also fires the defender's next shot (x, y).  An
///   answer is a claim: the journal it stands for is commitment(defender) || x || y || hit,
///   exactly the guest's 35-byte journal for that shot.
/// * The shooter may `challenge` an answer (posting `challengeBond`) while the game runs
///   or within `challengeWindow` after it ended.  The defender must then get a receipt
///   with that exact journal and exit code 0 ACCEPTed by the verifier within
///   `proofWindow` (`prove`, callable by anyone: it only reads the verifier's record);
///   else the shooter wins the pot (`claimForfeit`).  A proven challenge pays the bond to
///   the defender.
/// * The game ends when a shooter's answered hits reach 17 (the whole standard fleet)
///   or when the player to move lets `moveTimeout` pass (`claimTimeout`).  The pot is
///   paid (`settle`) only after `challengeWindow` has passed since the end with no
///   challenge open; payments are pulled with `withdraw`.
/// Correctness: nothing is paid for a hit that was not answered by the defender; an
/// answer counts only if it is proven (an ACCEPT record for its exact journal, exit code
/// 0, the pinned verifying key) or its challenge window expired unchallenged; a challenged
/// answer that is not proven in time loses the game.
contract BattleshipReferee {
    uint256 public constant FLEET_CELLS = 17;
    uint256 internal constant BOARD_SIZE = 10;

    uint8 internal constant ANSWERED = 1;
    uint8 internal constant CHALLENGED = 2;
    uint8 internal constant PROVEN = 3;

    uint8 internal constant OPEN = 1;
    uint8 internal constant ACTIVE = 2;
    uint8 internal constant ENDED = 3;
    uint8 internal constant SETTLED = 4;
    uint8 internal constant CANCELLED = 5;

    bytes32 public immutable imageId;
    IStatementCheck public immutable verifier;
    bytes32 public immutable vkDigest;
    uint256 public immutable moveTimeout;
    uint256 public immutable challengeWindow;
    uint256 public immutable proofWindow;
    uint256 public immutable challengeBond;

    struct Game {
        address[2] player; // player[0] created the game and fires shot 0
        bytes32[2] commitment;
        uint256 stake;
        uint256[2] fired; // bitmask of the cells player i fired at (bit y*10+x)
        uint256[2] bonds; // challenge bonds player i has posted and not yet got back
        uint8[2] hits; // answered hits on the other player's board, by shooter
        uint32 shots; // shots fired so far
        uint32 openChallenges;
        uint8 status;
        uint8 winner;
        uint64 lastMove; // time of the last create/join/shot/answer
        uint64 endedAt;
    }

    struct Shot {
        uint8 x;
        uint8 y;
        uint8 hit;
        uint8 state; // 0 unanswered, ANSWERED, CHALLENGED, PROVEN
        uint64 deadline; // proof deadline of a challenge
    }

    uint256 public gameCount;
    mapping(uint256 => Game) internal games;
    mapping(uint256 => mapping(uint256 => Shot)) public shots;
    mapping(bytes32 => bool) public commitmentUsed;
    mapping(address => uint256) public balanceOf;

    error BadVerifier();
    error BadStake();
    error CommitmentUsed();
    error NotOpen();
    error NotActive();
    error NotPlayer();
    error NotYourTurn();
    error OffBoard();
    error AlreadyFired();
    error BadAnswer();
    error NoSuchShot();
    error NotChallengeable();
    error TooLate();
    error TooEarly();
    error NotChallenged();
    error NotProven();
    error ChallengesOpen();
    error NothingToWithdraw();
    error TransferFailed();

    event Created(uint256 indexed id, address player, bytes32 commitment, uint256 stake);
    event Joined(uint256 indexed id, address player, bytes32 commitment);
    event Fired(uint256 indexed id, uint256 k, uint8 x, uint8 y);
    event Answered(uint256 indexed id, uint256 k, uint8 hit);
    event Challenged(uint256 indexed id, uint256 k, uint64 deadline);
    event Proven(uint256 indexed id, uint256 k);
    event Ended(uint256 indexed id, uint8 winner, uint8 why); // why: 0 fleet sunk, 1 timeout
    event Settled(uint256 indexed id, address winner, uint256 amount, uint8 why); // why: 0 end, 1 forfeit

    constructor(
        bytes32 imageId_,
        IStatementCheck verifier_,
        uint256 moveTimeout_,
        uint256 challengeWindow_,
        uint256 proofWindow_,
        uint256 challengeBond_
    ) {
        if (verifier_.imageId() != imageId_) revert BadVerifier();
        imageId = imageId_;
        verifier = verifier_;
        vkDigest = verifier_.vkDigest();
        moveTimeout = moveTimeout_;
        challengeWindow = challengeWindow_;
        proofWindow = proofWindow_;
        challengeBond = challengeBond_;
    }

    // ------------------------------------------------------------------ set-up

    /// Open a game with stake msg.value and board commitment `c`; `opponent` 0 = anyone.
    function create(bytes32 c, address opponent) external payable returns (uint256 id) {
        if (msg.value == 0) revert BadStake();
        _useCommitment(c);
        id = ++gameCount;
        Game storage g = games[id];
        g.player[0] = msg.sender;
        g.player[1] = opponent;
        g.commitment[0] = c;
        g.stake = msg.value;
        g.status = OPEN;
        g.lastMove = uint64(block.timestamp);
        emit Created(id, msg.sender, c, msg.value);
    }

    /// Join open game `id` with the same stake and board commitment `c`.
    function join(uint256 id, bytes32 c) external payable {
        Game storage g = games[id];
        if (g.status != OPEN) revert NotOpen();
        if (g.player[1] != address(0) && g.player[1] != msg.sender) revert NotPlayer();
        if (msg.sender == g.player[0]) revert NotPlayer();
        if (msg.value != g.stake) revert BadStake();
        _useCommitment(c);
        g.player[1] = msg.sender;
        g.commitment[1] = c;
        g.status = ACTIVE;
        g.lastMove = uint64(block.timestamp);
        emit Joined(id, msg.sender, c);
    }

    /// The creator takes the stake back from a game nobody joined.
    function cancel(uint256 id) external {
        Game storage g = games[id];
        if (g.status != OPEN) revert NotOpen();
        if (msg.sender != g.player[0]) revert NotPlayer();
        g.status = CANCELLED;
        balanceOf[msg.sender] += g.stake;
    }

    // ------------------------------------------------------------------ play

    /// The first shot of a game (by the creator).
    function shoot(uint256 id, uint8 x, uint8 y) external {
        Game storage g = games[id];
        if (g.status != ACTIVE) revert NotActive();
        if (g.shots != 0) revert NotYourTurn();
        if (msg.sender != g.player[0]) revert NotYourTurn();
        _fire(g, id, 0, x, y);
    }

    /// Answer the pending shot (`hit` 1 or 0: the claim that the guest's journal for it is
    /// commitment || x || y || hit) and, unless this answer ends the game, fire at (x, y).
    function answer(uint256 id, uint8 hit, uint8 x, uint8 y) external {
        Game storage g = games[id];
        if (g.status != ACTIVE) revert NotActive();
        uint256 n = g.shots;
        if (n == 0) revert NotYourTurn();
        uint256 defender = n % 2; // shot n-1 was fired by player (n-1) % 2
        if (msg.sender != g.player[defender]) revert NotYourTurn();
        if (hit > 1) revert BadAnswer();
        uint256 k = n - 1;
        Shot storage s = shots[id][k];
        s.hit = hit;
        s.state = ANSWERED;
        emit Answered(id, k, hit);
        uint256 shooter = 1 - defender;
        if (hit == 1 && ++g.hits[shooter] == FLEET_CELLS) {
            _end(g, id, uint8(shooter), 0);
            return;
        }
        _fire(g, id, defender, x, y);
    }

    /// The player to move let `moveTimeout` pass: the other player wins.
    function claimTimeout(uint256 id) external {
        Game storage g = games[id];
        if (g.status != ACTIVE) revert NotActive();
        if (block.timestamp <= uint256(g.lastMove) + moveTimeout) revert TooEarly();
        uint256 toMove = g.shots % 2;
        _end(g, id, uint8(1 - toMove), 1);
    }

    // ------------------------------------------------------------------ challenges

    /// The shooter of shot `k` challenges its answer (msg.value = challengeBond).
    function challenge(uint256 id, uint256 k) external payable {
        Game storage g = games[id];
        if (msg.value != challengeBond) revert BadStake();
        if (g.status == ENDED) {
            if (block.timestamp > uint256(g.endedAt) + challengeWindow) revert TooLate();
        } else if (g.status != ACTIVE) {
            revert NotActive();
        }
        if (k >= g.shots) revert NoSuchShot();
        Shot storage s = shots[id][k];
        if (s.state != ANSWERED) revert NotChallengeable();
        uint256 shooter = k % 2;
        if (msg.sender != g.player[shooter]) revert NotPlayer();
        s.state = CHALLENGED;
        s.deadline = uint64(block.timestamp + proofWindow);
        g.openChallenges += 1;
        g.bonds[shooter] += msg.value;
        emit Challenged(id, k, s.deadline);
    }

    /// The answer to shot `k` is backed by an ACCEPTed receipt of the pinned image: exit
    /// code 0 and the journal commitment(defender) || x || y || hit.  Anyone may call it
    /// (it only reads the verifier's record); a challenged answer's bond goes to the defender.
    function prove(uint256 id, uint256 k) external {
        Game storage g = games[id];
        if (g.status != ACTIVE && g.status != ENDED) revert NotActive();
        if (k >= g.shots) revert NoSuchShot();
        Shot storage s = shots[id][k];
        uint8 st = s.state;
        if (st != ANSWERED && st != CHALLENGED) revert NotChallengeable();
        uint256 defender = 1 - k % 2;
        if (!verifier.accepted(answerKey(g.commitment[defender], s.x, s.y, s.hit))) revert NotProven();
        s.state = PROVEN;
        if (st == CHALLENGED) {
            uint256 shooter = 1 - defender;
            g.openChallenges -= 1;
            g.bonds[shooter] -= challengeBond;
            balanceOf[g.player[defender]] += challengeBond;
        }
        emit Proven(id, k);
    }

    /// A challenged answer was not proven by its deadline: the challenger wins the pot.
    function claimForfeit(uint256 id, uint256 k) external {
        Game storage g = games[id];
        if (g.status != ACTIVE && g.status != ENDED) revert NotActive();
        if (k >= g.shots) revert NoSuchShot();
        Shot storage s = shots[id][k];
        if (s.state != CHALLENGED) revert NotChallenged();
        if (block.timestamp <= s.deadline) revert TooEarly();
        _pay(g, id, uint8(k % 2), 1);
    }

    /// Pay the pot to the winner: the game ended, `challengeWindow` has passed, and no
    /// challenge is open.
    function settle(uint256 id) external {
        Game storage g = games[id];
        if (g.status != ENDED) revert NotActive();
        if (block.timestamp <= uint256(g.endedAt) + challengeWindow) revert TooEarly();
        if (g.openChallenges != 0) revert ChallengesOpen();
        _pay(g, id, g.winner, 0);
    }

    function withdraw() external {
        uint256 a = balanceOf[msg.sender];
        if (a == 0) revert NothingToWithdraw();
        balanceOf[msg.sender] = 0;
        (bool ok,) = msg.sender.call{value: a}("");
        if (!ok) revert TransferFailed();
    }

    // ------------------------------------------------------------------ views

    /// The verifier's record key of the guest run whose journal is c || x || y || hit and
    /// whose exit code is 0 (StatementCheck: keccak256(abi.encode(vk, exitCode, keccak256(journal)))).
    function answerKey(bytes32 c, uint8 x, uint8 y, uint8 hit) public view returns (bytes32) {
        return keccak256(abi.encode(vkDigest, uint256(0), keccak256(abi.encodePacked(c, x, y, hit))));
    }

    function game(uint256 id)
        external
        view
        returns (
            address[2] memory player,
            bytes32[2] memory commitment,
            uint256 stake,
            uint8[2] memory hits,
            uint256 shotCount,
            uint256 openChallenges,
            uint8 status,
            uint8 winner,
            uint64 lastMove,
            uint64 endedAt
        )
    {
        Game storage g = games[id];
        return (g.player, g.commitment, g.stake, g.hits, g.shots, g.openChallenges, g.status, g.winner,
                g.lastMove, g.endedAt);
    }

    // ------------------------------------------------------------------ internals

    function _useCommitment(bytes32 c) private {
        if (commitmentUsed[c]) revert CommitmentUsed();
        commitmentUsed[c] = true;
    }

    function _fire(Game storage g, uint256 id, uint256 shooter, uint8 x, uint8 y) private {
        if (x >= BOARD_SIZE || y >= BOARD_SIZE) revert OffBoard();
        uint256 bit = uint256(1) << (uint256(y) * BOARD_SIZE + x);
        if (g.fired[shooter] & bit != 0) revert AlreadyFired();
        g.fired[shooter] |= bit;
        uint256 k = g.shots;
        shots[id][k] = Shot(x, y, 0, 0, 0);
        g.shots = uint32(k + 1);
        g.lastMove = uint64(block.timestamp);
        emit Fired(id, k, x, y);
    }

    function _end(Game storage g, uint256 id, uint8 winner, uint8 why) private {
        g.status = ENDED;
        g.winner = winner;
        g.endedAt = uint64(block.timestamp);
        emit Ended(id, winner, why);
    }

    /// Settle: the pot to `winner`, every bond still held back to its poster.
    function _pay(Game storage g, uint256 id, uint8 winner, uint8 why) private {
        g.status = SETTLED;
        g.winner = winner;
        address w = g.player[winner];
        balanceOf[w] += 2 * g.stake;
        for (uint256 i = 0; i < 2; i++) {
            uint256 b = g.bonds[i];
            if (b != 0) {
                g.bonds[i] = 0;
                balanceOf[g.player[i]] += b;
            }
        }
        g.openChallenges = 0;
        emit Settled(id, w, 2 * g.stake, why);
    }
}

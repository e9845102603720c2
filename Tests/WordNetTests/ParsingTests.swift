// The real WordNet 3.0 files (/usr/share/wordnet): counts and entries checked against the files.
import XCTest
import Foundation
@testable import WordNet

final class ParsingTests: XCTestCase {
    func testCountsAreThoseOfWordNet30() throws {
        let wordnet = try realWordNet()
        XCTAssertEqual(wordnet.partsOfSpeech, [.noun, .verb, .adjective, .adverb])
        // Synsets and index lemmas per POS, as published for WordNet 3.0 (and as `grep -c` finds).
        XCTAssertEqual(PartOfSpeech.allCases.map { wordnet.synsetCount($0) }, [82_115, 13_767, 18_156, 3_621])
        XCTAssertEqual(PartOfSpeech.allCases.map { wordnet.lemmaCount($0) }, [117_798, 11_529, 21_479, 4_481])
    }

    func testDogNoun() throws {
        let wordnet = try realWordNet()
        // index.noun: dog n 7 5 @ ~ #m #p %p 7 1 02084071 10114209 10023039 09886220 07676602 03901548 02710044
        let entry = try XCTUnwrap(wordnet.indexEntry(lemma: "dog", pos: .noun))
        XCTAssertEqual(entry.lemma, "dog")
        XCTAssertEqual(entry.synsetOffsets, [2084071, 10114209, 10023039, 9886220, 7676602, 3901548, 2710044])
        XCTAssertEqual(entry.tagSenseCount, 1)
        let synsets = wordnet.synsets(lemma: "dog", pos: .noun)
        XCTAssertEqual(synsets.map(\.offset), entry.synsetOffsets)
        let first = synsets[0]
        XCTAssertEqual(first.id.description, "02084071-n")
        XCTAssertEqual(first.lemmas, ["dog", "domestic dog", "Canis familiaris"])
        XCTAssertEqual(first.words.map(\.lexID), [0, 0, 0])
        XCTAssertEqual(first.lexFileNumber, 5)   // noun.animal
        XCTAssertFalse(first.isSatellite)
        XCTAssertEqual(first.pointers.count, 23)
        XCTAssertEqual(first.pointers[0].symbol, "@")
        XCTAssertEqual(first.pointers[0].target, SynsetID(pos: .noun, offset: 2083346))
        XCTAssertFalse(first.pointers[0].isLexical)
        XCTAssertEqual(first.pointers(withSymbol: "~").count, 18)
        XCTAssertEqual(first.pointers(withSymbol: "#m").count, 2)
        XCTAssertEqual(first.pointers.last?.symbol, "%p")
        XCTAssertTrue(first.gloss.hasPrefix("a member of the genus Canis (probably descended from the common wolf)"))
        XCTAssertTrue(first.gloss.hasSuffix("\"the dog barked all night\""), first.gloss)
        XCTAssertEqual(wordnet.synset(first.pointers[0].target)?.lemmas, ["canine", "canid"])
        XCTAssertEqual(wordnet.synset(offset: 2084071, pos: .noun), first)
        XCTAssertNil(wordnet.synset(offset: 2084072, pos: .noun))
    }

    func testSenseCountsOfGoodAndRun() throws {
        let wordnet = try realWordNet()
        // index.adj: good a 21 ...; index.noun: good n 4; index.adv: good r 2
        XCTAssertEqual(wordnet.indexEntry(lemma: "good", pos: .adjective)?.synsetOffsets.count, 21)
        XCTAssertEqual(wordnet.indexEntry(lemma: "good", pos: .adjective)?.tagSenseCount, 14)
        XCTAssertEqual(wordnet.indexEntry(lemma: "good", pos: .noun)?.synsetOffsets.count, 4)
        XCTAssertEqual(wordnet.indexEntry(lemma: "good", pos: .adverb)?.synsetOffsets.count, 2)
        XCTAssertNil(wordnet.indexEntry(lemma: "good", pos: .verb))
        // index.verb: run v 41 7 ! @ ~ ^ $ + ; 41 29 01926329 ...; index.noun: run n 16
        let run = try XCTUnwrap(wordnet.indexEntry(lemma: "run", pos: .verb))
        XCTAssertEqual(run.synsetOffsets.count, 41)
        XCTAssertEqual(run.tagSenseCount, 29)
        XCTAssertEqual(run.synsetOffsets.first, 1926329)
        XCTAssertEqual(run.synsetOffsets.last, 332672)
        XCTAssertEqual(wordnet.synsets(lemma: "run", pos: .verb)[0].lemmas, ["run"])
        XCTAssertEqual(wordnet.indexEntry(lemma: "run", pos: .noun)?.synsetOffsets.count, 16)
        XCTAssertEqual(wordnet.synsets(lemma: "good", pos: .adjective).count, 21)
    }

    func testAdjectiveSatelliteAndMarker() throws {
        let wordnet = try realWordNet()
        // data.adj: 00019731 00 s 02 handy 0 ready_to_hand(p) 0 002 & 00019131 a 0000 + 04718999 n 0101 | easy to reach; ...
        let handy = try XCTUnwrap(wordnet.synset(offset: 19731, pos: .adjective))
        XCTAssertTrue(handy.isSatellite)
        XCTAssertEqual(handy.lemmas, ["handy", "ready to hand"])
        XCTAssertEqual(handy.words.map(\.marker), [nil, .predicate])
        XCTAssertEqual(handy.pointers.map(\.symbol), ["&", "+"])
        XCTAssertEqual(handy.pointers[1].target, SynsetID(pos: .noun, offset: 4718999))
        XCTAssertEqual(handy.pointers[1].sourceWord, 1)
        XCTAssertEqual(handy.pointers[1].targetWord, 1)
        XCTAssertTrue(handy.gloss.hasPrefix("easy to reach;"))
        let head = try XCTUnwrap(wordnet.synset(handy.pointers[0].target))
        XCTAssertFalse(head.isSatellite)
        XCTAssertEqual(head.pos, .adjective)
    }

    func testVerbFramesAndLexIDs() throws {
        let wordnet = try realWordNet()
        // data.verb: 00001740 29 v 04 breathe 0 take_a_breath 0 respire 0 suspire 3 021 * 00005041 v 0000
        //   ... + 03110323 a 0301 ... 02 + 02 00 + 08 00 | draw air into, and expel out of, the lungs; ...
        let breathe = try XCTUnwrap(wordnet.synset(offset: 1740, pos: .verb))
        XCTAssertEqual(breathe.lemmas, ["breathe", "take a breath", "respire", "suspire"])
        XCTAssertEqual(breathe.words.map(\.lexID), [0, 0, 0, 3])
        XCTAssertEqual(breathe.lexFileNumber, 29)
        XCTAssertEqual(breathe.pointers.count, 21)
        XCTAssertEqual(breathe.pointers[0].symbol, "*")
        XCTAssertEqual(breathe.pointers[2].target, SynsetID(pos: .adjective, offset: 3110323))
        XCTAssertEqual(breathe.pointers[2].sourceWord, 3)
        XCTAssertEqual(breathe.pointers[2].targetWord, 1)
        XCTAssertEqual(breathe.frames, [VerbFrame(frame: 2, word: 0), VerbFrame(frame: 8, word: 0)])
        XCTAssertTrue(breathe.gloss.hasPrefix("draw air into, and expel out of, the lungs;"))
    }

    func testExceptionListsBothWays() throws {
        let wordnet = try realWordNet()
        XCTAssertEqual(wordnet.exceptionBaseForms(of: "better", pos: .adjective), ["good", "well"])
        XCTAssertEqual(wordnet.exceptionBaseForms(of: "went", pos: .verb), ["go"])
        XCTAssertEqual(wordnet.exceptionInflections(of: "go", pos: .verb), ["gone", "went"])
        XCTAssertEqual(wordnet.exceptionInflections(of: "child", pos: .noun), ["children"])
        XCTAssertEqual(wordnet.exceptionInflections(of: "good", pos: .adjective), ["best", "better"])
    }

    func testLookupSpellingIsForgiving() throws {
        let wordnet = try realWordNet()
        XCTAssertTrue(wordnet.contains(lemma: "Domestic Dog", pos: .noun))
        XCTAssertTrue(wordnet.contains(lemma: "domestic_dog", pos: .noun))
        XCTAssertTrue(wordnet.contains(lemma: "  domestic   dog ", pos: .noun))
        XCTAssertFalse(wordnet.contains(lemma: "domesticdog", pos: .noun))
        XCTAssertEqual(wordnet.indexEntry(lemma: "Domestic_Dog", pos: .noun)?.lemma, "domestic dog")
    }

    /// Loads a second, private copy and reports its time and resident memory. The bound is loose
    /// (debug builds, busy machines); release builds load all four POS in about 0.1-0.2 s.
    func testLoadTimeAndMemory() throws {
        _ = try realWordNet()
        func residentBytes() -> Int {
            guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
                  let pages = statm.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { return 0 }
            return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
        }
        let before = residentBytes()
        let start = Date()
        let wordnet = try WordNetDatabase()
        let seconds = Date().timeIntervalSince(start)
        let megabytes = Double(residentBytes() - before) / 1_048_576
        print(String(format: "WordNet load: %.3f s, %.0f MB resident for %d synsets", seconds, megabytes,
                     PartOfSpeech.allCases.map { wordnet.synsetCount($0) }.reduce(0, +)))
        XCTAssertLessThan(seconds, 10)
        XCTAssertEqual(wordnet.synsetCount(.noun), 82_115)
    }

    func testEveryIndexLemmaIsAWordOfItsSynsets() throws {
        // The loader checks offsets; this checks meaning on a deterministic sample of 2,000 lemmas.
        let wordnet = try realWordNet()
        for pos in PartOfSpeech.allCases {
            let keys = wordnet.tables[pos]!.index.keys.sorted()
            for key in stride(from: 0, to: keys.count, by: max(1, keys.count / 500)).map({ keys[$0] }) {
                for synset in wordnet.synsets(lemma: key, pos: pos) {
                    XCTAssertTrue(synset.lemmas.contains { $0.lowercased() == WordNetDatabase.spaced(key) },
                                  "\(key) not in \(synset.id) \(synset.lemmas)")
                }
            }
        }
    }
}

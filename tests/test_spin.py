"""Spin detection and repair (cleaners/spin.py) and its corpus stage (flows/stages.py)."""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import os
import re
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from wordfreq import zipf_frequency

from cleaners import spin
from cleaners.document import Document
from cleaners.settings import section
from conftest import SHARED
from flows import stages

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))  # thesaurus_spinner: the bench's own spinner

THRESHOLD = section("spin")["threshold"]

# A short news story written for these tests, and the same story as a thesaurus spinner
# of the seed-003 family would print it.
CLEAN = (
    "Japanese officials said on Monday that talks with the United States would continue next week, "
    "as both countries try to narrow gaps on farm tariffs before a meeting of their leaders in May.\n\n"
    "The government has said that it wants a deal this year, but people close to the negotiations say "
    "progress toward a deal has been slow. Japan also wants to cut tariffs on car parts, officials said."
)
SPUN = (
    "Eastern officers talked about on Monday that talks with the United States might maybe maybe well well continue subsequent week, "
    "as each worldwide locations try to slim gaps on farm tariffs before a assembly of their leaders in Can also.\n\n"
    "The authorities has said that it desires a deal this twelve months, nonetheless of us close to the negotiations articulate "
    "growth toward a deal has been dull. Japan additionally desires to cut tariffs on automobile aspects, officers acknowledged."
)




# --------------------------------------------------------------------------- detection


def test_detector_separates_clean_and_spun_text():
    assert spin.spin_score(CLEAN) < THRESHOLD
    assert spin.spin_score(SPUN) >= THRESHOLD
    assert 0.0 <= spin.spin_score(SPUN) <= 1.0


def test_seed_003_flagged_and_clean_seeds_not(seeds):
    assert spin.spin_score(seeds["003"]) >= THRESHOLD
    for sid in ("000", "001", "002", "004"):
        assert spin.spin_score(seeds[sid]) < THRESHOLD, sid


def test_one_ordinary_use_of_a_spun_form_does_not_flag():
    text = "Eastern Europe's gas supply is at risk, the authorities said. " * 1 + "Analysts expect prices to rise. " * 20
    assert spin.spin_score(text) < THRESHOLD
    assert spin.despin(text) == text


@pytest.mark.skipif(not (SHARED / "bench" / "dedup" / "synth_v1.jsonl").exists(), reason="shared bench data absent")
def test_synth_spin40_copies_flagged_and_plain_copies_not():
    recs = [json.loads(line) for line in (SHARED / "bench" / "dedup" / "synth_v1.jsonl").open(encoding="utf-8")]
    spin40 = [r for r in recs if r["variant"] == "spin40"]
    plain = [r for r in recs if "spin" not in r["variant"] and r["root"] != "003"]
    assert spin40 and all(spin.spin_score(r["text"]) >= THRESHOLD for r in spin40)
    assert plain and not [r["id"] for r in plain if spin.spin_score(r["text"]) >= THRESHOLD]


# --------------------------------------------------------------------------- repair


def test_repairs_the_spun_story_back_to_the_original():
    assert spin.despin(SPUN) == CLEAN


@pytest.mark.parametrize(
    "spun, original",
    [
        ("The deal might maybe maybe well well collapse, sources articulate.", "The deal would collapse, sources say."),
        ("Eastern High Minister Shinzo Abe will visit Tokyo.", "Japanese Prime Minister Shinzo Abe will visit Tokyo."),
        ("Inflation rose 3 p.c. in the twelve months to March.", "Inflation rose 3 percent in the year to March."),
        ("The central financial institution held rates, the authorities officers talked about.", "The central bank held rates, the government officials said."),
        ("He took location of work in 2017 and met in New York the effect the 2 can also meet.", "He took office in 2017 and met in New York where the two may meet."),
        ("Talks gain made tiny headway at some level of the assembly in Can also.", "Talks have made little headway during the meeting in May."),
        ("The crawl comes as Wall Avenue banks face the handiest outlandish ministry probe.", "The move comes as Wall Street banks face the handiest foreign ministry probe."),
        # the family's broken-English forms and mangled names (the table's second part)
        ("The firm did now not reply to a quiz for comment, in accordance to a assertion.",
         "The firm did not reply to a request for comment, according to a statement."),
        ("One in every of the lawmakers said it grew to turn into that you just can imagine in expose to pass it.",
         "One of the lawmakers said it became possible in order to pass it."),
        ("The frail President met the Top Minister in Unusual York, the Connected Press reported.",
         "The former President met the Prime Minister in New York, the Associated Press reported."),
        ("Bigger than 40 of us examined obvious, the Justice Division said in the peace course of.",
         "More than 40 people tested positive, the Justice Department said in the peace process."),
        ("For the principle time, the central financial institution cut its hobby rate by 50 foundation aspects amid the commerce battle.",
         "For the first time, the central bank cut its interest rate by 50 basis points amid the trade war."),
        # the third part: bodies, offices, business, health, sport and school vocabulary
        ("The corporate's chief monetary officer said man made intelligence and machine finding out drive the expertise company.",
         "The company's chief financial officer said artificial intelligence and machine learning drive the technology company."),
        ("The World Well being Group and the Meals and Drug Administration backed the take a look at, officers talked about.",
         "The World Health Organization and the Food and Drug Administration backed the test, officials said."),
        ("The Democratic Occasion's presidential marketing campaign hit the swing explain as inflation hit a excessive of 9 p.c.",
         "The Democratic Party's presidential campaign hit the swing state as inflation hit a high of 9 percent."),
        ("Explain media said the Protection Minister would possibly well hang talks in the Heart East as a minimal twice.",
         "State media said the Defense Minister might hold talks in the Middle East at least twice."),
        ("The London-based mostly lender is aloof weighing an amplify in strengthen for high faculty college students.",
         "The London-based lender is still weighing an increase in support for high school students."),
        ("He scored a purpose at the Olympic Video games even supposing the Home of Commons had cut funding.",
         "He scored a goal at the Olympic Games even though the House of Commons had cut funding."),
        # the fourth part: more broken English and mangled names of the same family
        ("For its fragment, the ruling celebration said the decision got here amid an upward thrust in user prices.",
         "For its part, the ruling party said the decision came amid a rise in consumer prices."),
        ("Regulation enforcement known as off the search by the tip of the week, no topic how a lot the demise toll rose.",
         "Law enforcement called off the search by the end of the week, no matter how much the death toll rose."),
        ("Countries equivalent to Japan took fragment in talks, and two men were stumbled on guilty of the mass capturing.",
         "Countries such as Japan took part in talks, and two men were found guilty of the mass shooting."),
        ("The probe is restful ongoing as regulation firms have known as for the associated fee of the World Struggle II archive.",
         "The probe is still ongoing as law firms have called for the cost of the World War II archive."),
        # the fifth part: frequent news words
        ("The 45-year-extinct suspect, in entrance of the court docket listening to, faces felony expenses with out bail.",
         "The 45-year-old suspect, in front of the court hearing, faces criminal charges without bail."),
        ("Shares hit a file excessive in gentle of financial enhance and a wide vary of long-time duration bets.",
         "Shares hit a record high in light of economic growth and a wide range of long-term bets."),
        ("Talks stalled sooner than leaving alongside with the draft, earlier than Monday.",
         "Talks stalled before leaving along with the draft, before Monday."),
        ("The Home Speaker and Home Republicans backed OPEC manufacturing cuts as oil manufacturing fell.",
         "The House Speaker and House Republicans backed OPEC production cuts as oil production fell."),
        # the sixth part: the commonest words of clean news that had no entry
        ("In a Fb put up, the mediate tank said the house station would be a doable threat to the immune machine.",
         "In a Facebook post, the think tank said the space station would be a potential threat to the immune system."),
        ("The put up-pandemic economy lost vitality vegetation, native officers said on the present time in a convention name.",
         "The post-pandemic economy lost power plants, local officials said today in a conference call."),
        ("Of route, the reside stream of the World Sequence drew chums and household at dwelling years within the past.",
         "Of course, the live stream of the World Series drew friends and family at home years ago."),
        ("Firms in the internal most sector vowed to in the reduction of costs and salvage out the leisure of the details on Monday.",
         "Firms in the private sector vowed to reduce costs and find out the rest of the details on Monday."),
        ("The enterprise mannequin of Mountainous Tech rests on privateness, the Twitter yarn of Human Rights Stare at said.",
         "The business model of Big Tech rests on privacy, the Twitter account of Human Rights Watch said."),
        # the seventh part: function words and idioms
        ("The lawful-hover party, shall we exclaim, grew to change into the largest despite the truth that it would aloof lose lawful now.",
         "The right-wing party, for example, became the largest despite the fact that it would still lose right now."),
        # the eighth part: fixed terms of courts, health, sport, weather and technology
        ("The protection attorney said his client pleaded no longer responsible and faces a existence sentence, not the loss of life penalty, after a coronary heart assault and aspect results.",
         "The defense attorney said his client pleaded not guilty and faces a life sentence, not the death penalty, after a heart attack and side effects."),
        ("Crimson Cross workers in the warmth wave saw a crimson flag: the truck driving force's license was sold on the dusky market.",
         "Red Cross workers in the heat wave saw a red flag: the truck driver's license was sold on the black market."),
        # the ninth part
        ("The hearth spread after the airplane smash, the celebration chief said, and troops opened hearth.",
         "The fire spread after the plane crash, the party leader said, and troops opened fire."),
        ("The native media said the protection lawyer saw the most modern data on the house agency's rocket.",
         "The local media said the defense lawyer saw the latest data on the space agency's rocket."),
        ("NASA said house debris threatens the house station.", "NASA said space debris threatens the space station."),
        # the eleventh part
        ("The company made up our minds to sell the unit, the CEO told newshounds, and mavens agree.",
         "The company decided to sell the unit, the CEO told reporters, and experts agree."),
        ("Prices rose as soon as more, and as soon as again the bank must act at as soon as.",
         "Prices rose once more, and once again the bank must act at once."),
        ("Stocks fell. The minister is if truth be told right, and as a replace he will keep in touch to reporters.",
         "Stocks fell. The minister is actually right, and instead he will speak to reporters."),
        ("Practically 2,000 people fled, police are the usage of drones, and the firm makes spend of the web situation.",
         "Nearly 2,000 people fled, police are using drones, and the firm makes use of the website."),
        ("The compare published on Monday by the compare team covers the historic previous of the monetary disaster.",
         "The research published on Monday by the research team covers the history of the financial crisis."),
        ("Licensed professional Fashioned Merrick Garland said the district licensed professional and his licensed professional met.",
         "Attorney General Merrick Garland said the district attorney and his lawyer met."),
        ("Emergency products and services and the Secret Carrier responded on Wall Twin carriageway.",
         "Emergency services and the Secret Service responded on Wall Street."),
        ("The exhausting-line group in exhausting-hit towns is working exhausting, the ambiance minister said of local weather alternate.",
         "The hard-line group in hard-hit towns is working hard, the environment minister said of climate change."),
        ("In contemporary weeks the 2nd-largest bank posted 1/3 quarter results, the most contemporary figures show.",
         "In recent weeks the second-largest bank posted third quarter results, the most recent figures show."),
        ("The Conservative Celebration said the label tag of the virulent illness was high, and the bus driving forces agreed.",
         "The Conservative Party said the price tag of the pandemic was high, and the bus drivers agreed."),
        ("The Cupboard met on Monday, and a cupboard minister quit before the cupboard reshuffle.",
         "The Cabinet met on Monday, and a cabinet minister quit before the cabinet reshuffle."),
        # the twelfth part
        ("It's miles no longer going that the vote took establish on time, the faded president said.",
         "It is unlikely that the vote took place on time, the former president said."),
        ("A federal settle dominated that the London-basically based firm must pay, in accordance to experiences.",
         "A federal judge ruled that the London-based firm must pay, according to reports."),
        ("Shadowy Friday sales rose as vulgar domestic product grew, and the forecast came factual.",
         "Black Friday sales rose as gross domestic product grew, and the forecast came true."),
        ("Police vowed to rep to the underside of it as soon as that you just would perhaps imagine, and measures are in establish.",
         "Police vowed to get to the bottom of it as soon as possible, and measures are in place."),
        ("The plant modified into once closed honest no longer too long ago, and experiences said it was sold.",
         "The plant was closed just recently, and reports said it was sold."),
        ("Stocks fell tiring final twelve months, the bank said tiring Monday.",
         "Stocks fell late last year, the bank said late Monday."),
        # the thirteenth part
        ("The U.S. buck rose and the buck index climbed, as a end result of bets that the bank will video display prices.",
         "The U.S. dollar rose and the dollar index climbed, as a result of bets that the bank will monitor prices."),
        ("About a analysts said the choice of deaths rose about a days ago, and a desire of firms will raise out cuts.",
         "A few analysts said the number of deaths rose a few days ago, and a number of firms will carry out cuts."),
        ("Most effective two avid gamers scored, to boot as the captain; as a end result, the team lost.",
         "Only two players scored, as well as the captain; as a result, the team lost."),
        ("Prices rose 3 percent, whereas wages fell, and officials closely video displayed the strikes.",
         "Prices rose 3 percent, while wages fell, and officials closely monitored the strikes."),
        ("Markets rose this present day; in a approach, the assertion said, the diagram forward is by approach of talks.",
         "Markets rose today; in a way, the statement said, the way forward is by way of talks."),
        ("He was launched from custody after talks at the again of closed doors.",
         "He was released from custody after talks behind closed doors."),
        ("The region reported 1,200 circumstances, Covid circumstances rose again, and medical doctors warned.",
         "The region reported 1,200 cases, Covid cases rose again, and doctors warned."),
        ("Sales rose 4 percent closing year. Per week ago the firm cut jobs, and per day later it hired.",
         "Sales rose 4 percent last year. A week ago the firm cut jobs, and a day later it hired."),
        ("Protesters gathered exterior the court docket while police waited inner the building.",
         "Protesters gathered outside the court while police waited inside the building."),
        # the fourteenth part
        ("He did no longer reply, and officials attain no longer know why; the plan is no longer most productive costly.",
         "He did not reply, and officials do not know why; the plan is not only costly."),
        ("Prices rose all the blueprint thru the year, and the vote will rob assign in May; 40 firms took half in the talks.",
         "Prices rose throughout the year, and the vote will take place in May; 40 firms took part in the talks."),
        ("Regulators must bewitch into legend the risks and salvage rid of old rules on myth of the crisis.",
         "Regulators must take into account the risks and get rid of old rules on account of the crisis."),
        ("The foreign places minister and the ruling birthday celebration said a senior first rate would resign, shall we embrace.",
         "The foreign minister and the ruling party said a senior official would resign, for example."),
        ("Shares hit a anecdote high remaining month, and the federal price range deficit widened one day of the pandemic.",
         "Shares hit a record high last month, and the federal budget deficit widened during the pandemic."),
        ("Countries adore China looked adore winners, in divulge to win the files superhighway race.",
         "Countries like China looked like winners, in order to win the internet race."),
        ("He wore a face conceal, and properly being officials said the files superhighway was down. At recent, the rules stand.",
         "He wore a face mask, and health officials said the internet was down. At present, the rules stand."),
        # the fifteenth part
        ("Shares rose as worthy as 5% in early shopping and selling, the most in additional than a month.",
         "Shares rose as much as 5% in early trading, the most in more than a month."),
        ("The agency did no longer right this moment acknowledge to a query for comment, and a spokeswoman declined to claim whether more cuts were planned.",
         "The agency did not immediately respond to a request for comment, and a spokeswoman declined to say whether more cuts were planned."),
        ("The president will signal the invoice into regulation, and the spending invoice passed the Senate.",
         "The president will sign the bill into law, and the spending bill passed the Senate."),
        ("The study, printed within the journal Nature, found deaths fell by the discontinuance of the year.",
         "The study, published in the journal Nature, found deaths fell by the end of the year."),
        ("The Justice Department will attraction the ruling, arguing the law violated the First Modification.",
         "The Justice Department will appeal the ruling, arguing the law violated the First Amendment."),
        ("The governor declared a voice of emergency as the unique coronavirus spread to Contemporary Jersey and the United Countries warned of the impending days.",
         "The governor declared a state of emergency as the novel coronavirus spread to New Jersey and the United Nations warned of the coming days."),
        ("The Financial institution of England is using machine studying, people conversant in the topic said.",
         "The Bank of England is using machine learning, people familiar with the matter said."),
        # the sixteenth part
        ("Fighting raged in japanese Ukraine within the wake of the attack, and within the south the army advanced.",
         "Fighting raged in eastern Ukraine in the wake of the attack, and in the south the army advanced."),
        ("Earnings per fragment rose, the fragment worth jumped, and shares of the corporate rose 4% in extended shopping and selling. Economists verbalize the gains will last.",
         "Earnings per share rose, the share price jumped, and shares of the company rose 4% in extended trading. Economists say the gains will last."),
        ("The governor declared a order of emergency after no lower than 200 homes burned.",
         "The governor declared a state of emergency after at least 200 homes burned."),
        ("He wore a face conceal. At recent, no person knows who ordered the attack.",
         "He wore a face mask. At present, nobody knows who ordered the attack."),
        # the seventeenth part
        ("Protesters gathered out of doorways the parliament during the president's talk over with to Beijing, and tourists were told to search the advice of with the museum.",
         "Protesters gathered outside the parliament during the president's visit to Beijing, and tourists were told to visit the museum."),
        ("The company has no longer but decided. Within the intervening time, prices have risen for the explanation that the war began, and money moved by formula of a shell company.",
         "The company has not yet decided. In the meantime, prices have risen since the war began, and money moved by way of a shell company."),
        ("The Supreme Courtroom and the Excessive Courtroom ruled, the ministry said in a press free up, and the group demanded the free up of the hostages.",
         "The Supreme Court and the High Court ruled, the ministry said in a press release, and the group demanded the release of the hostages."),
        ("The rules come into carry out as the selection of deaths fell; the incident is below investigation and two men are below arrest.",
         "The rules come into effect as the number of deaths fell; the incident is under investigation and two men are under arrest."),
        ("It was no longer straight away certain, and officials were not authorized to keep up a correspondence publicly.",
         "It was not immediately certain, and officials were not authorized to speak publicly."),
        ("Ecu leaders said the Ecu Central Financial institution approved vaccine photographs after she tested sure for the virus.",
         "European leaders said the European Central Bank approved vaccine shots after she tested positive for the virus."),
        ("The board of administrators met as patients filled intensive care items under the emergency spend authorization.",
         "The board of directors met as patients filled intensive care units under the emergency use authorization."),
        ("The defendant pleaded guilty to the fees and was launched on bail; the storm knocked out vitality and left homes without vitality.",
         "The defendant pleaded guilty to the charges and was released on bail; the storm knocked out power and left homes without power."),
        ("The app has 100 million month-to-month active customers, and teams are browsing for survivors; they marched thru the city.",
         "The app has 100 million monthly active users, and teams are searching for survivors; they marched through the city."),
        ("A new learn about published on Monday found its once a year report was late.",
         "A new study published on Monday found its annual report was late."),
        # the eighteenth part
        ("Parliament handed legislation, the Senate handed the invoice, and the singer handed away; consumer self belief fell.",
         "Parliament passed legislation, the Senate passed the bill, and the singer passed away; consumer confidence fell."),
        ("The firm cut its full-year steering, the striker has a hamstring harm before the switch window, and the originate-up grew.",
         "The firm cut its full-year guidance, the striker has a hamstring injury before the transfer window, and the start-up grew."),
        # the nineteenth part
        ("Apple unveiled it at an tournament; the hunt engine reported weaker-than-anticipated sales, and the jury found him responsible of 2d-degree murder.",
         "Apple unveiled it at an event; the search engine reported weaker-than-expected sales, and the jury found him guilty of second-degree murder."),
        ("The actor, easiest identified for his role, died after a week-lengthy illness; the festival drew a document crowd, and the defect can reason the brakes to fail.",
         "The actor, best known for his role, died after a week-long illness; the festival drew a record crowd, and the defect can cause the brakes to fail."),
        ("Teachers went on strike, traumatic better pay; the senator introduced a invoice earlier than beforehand thought, and the soccer membership agreed.",
         "Teachers went on strike, demanding better pay; the senator introduced a bill earlier than previously thought, and the soccer club agreed."),
        ("In a joint assertion, the ministry said dozens more lacking after a excessive-speed crash at the conclude of the month; the unemployment price fell all the device via the year.",
         "In a joint statement, the ministry said dozens more missing after a high-speed crash at the end of the month; the unemployment rate fell throughout the year."),
        # the twentieth part: an article that fits the original, not the spun form
        ("An first rate said a unusual virus hit a enterprise, and an consultant called it an notion worth a appreciable sum.",
         "An official said a new virus hit a business, and an expert called it an idea worth a significant sum."),
        # the twenty-first part
        ("Officials urged people to accumulate vaccinated before the iciness, mutter media said, after a highly efficient earthquake the U.S. Geological Peek measured.",
         "Officials urged people to get vaccinated before the winter, state media said, after a powerful earthquake the U.S. Geological Survey measured."),
        ("Three were killed and a complete bunch injured; the winning aim came late in this iciness's final.",
         "Three were killed and hundreds injured; the winning goal came late in this winter's final."),
        # the twenty-second part
        ("No matter growing concerns, spherical 10,000 people gathered spherical the square, which capability that police came as properly as troops.",
         "Despite growing concerns, around 10,000 people gathered around the square, which means that police came as well as troops."),
        ("Britain, as effectively as France, backed it, as neatly as curbing exports; prices rose as smartly.",
         "Britain, as well as France, backed it, as well as curbing exports; prices rose as well."),
        ("The president vowed to veto the invoice as the storm was knocking out vitality; the stock has fallen by bigger than half.",
         "The president vowed to veto the bill as the storm was knocking out power; the stock has fallen by more than half."),
        # the twenty-third part
        ("The suspect used to be arrested on Friday and used to be taken to court. On the time, he used to be not armed.",
         "The suspect was arrested on Friday and was taken to court. At the time, he was not armed."),
        ("On the identical day, 3 million electorate voted in the identical towns as the jobless price fell and rough oil rose.",
         "On the same day, 3 million voters voted in the same towns as the jobless rate fell and crude oil rose."),
        ("The semi-remaining went to damage time before a straight devices win; rebel police stood by within the middle of the square.",
         "The semi-final went to injury time before a straight sets win; riot police stood by in the middle of the square."),
        ("The preliminary public providing lifted shopper spending, and a new records heart for machine discovering out opened.",
         "The initial public offering lifted consumer spending, and a new data center for machine learning opened."),
        ("She used to be the first woman to lead the party, and the vote used to be close.",
         "She was the first woman to lead the party, and the vote was close."),
        ("Shares closed elevated, yields were elevated than forecast and the index ended decrease, better than anticipated.",
         "Shares closed higher, yields were higher than forecast and the index ended lower, better than expected."),
        ("Revenue rose 5% when put next with the identical length closing twelve months and 3% twelve months-on-twelve months.",
         "Revenue rose 5% compared with the same period last year and 3% year-on-year."),
        # the twenty-fourth part: older forms where the family prints them and no writer does
        ("Officials within the region said it's miles unclear whether talks will resume sooner than the election.",
         "Officials in the region said it is unclear whether talks will resume before the election."),
        ("It is one of many largest deals within the industry and one of many few signed within the past year.",
         "It is one of the largest deals in the industry and one of the few signed within the past year."),
        ("The first spherical of talks ended, and a second spherical begins in May.",
         "The first round of talks ended, and a second round begins in May."),
        ("The plan will no longer most effective cut costs but additionally raise wages, not most effective in Europe.",
         "The plan will not only cut costs but also raise wages, not only in Europe."),
        # "p.c." that ends a sentence took the sentence's full stop with it: the repair gives it back
        ("Prices rose 3 p.c. Wages rose 2 p.c.\nThe end.", "Prices rose 3 percent. Wages rose 2 percent.\nThe end."),
    ],
)
def test_repair_known_pairs_in_a_flagged_document(spun, original):
    res = spin.despin_explained(spun, score=1.0)
    assert res.text == original
    assert all(r.evidence for r in res.repairs)


@pytest.mark.parametrize(
    "text",
    [
        "Eastern Europe has cold winters and Eastern Orthodox churches, said the report.",  # no Japan context
        "The effect of the tariffs was small.",  # 'the effect of' is ordinary English
        "Roast pork and rooster are on the menu.",  # pork may really be pork
        "Many of us remember the crash.",  # 'of us' after a quantifier is ordinary
        "The General Assembly met in New York.",  # assembly after General is a real name
        # the conditions of the family's conditional forms: ordinary English where they do not hold
        "The firm is now not accepting orders, and a cut in the corporate tax rate is bigger than ever.",
        "Athletes fuel our bodies with rice; home insurance policies change in the course of a year.",
        "Media coverage of the talks was wide, like the mass taking pictures of the fans.",
        "Firms rushed to provide chain stores with masks in the climate change battle.",
        "He remained aloof, and she is aloof from the crowd; the press was aloof.",
        "He remained aloof in public and seemed aloof during talks; she is aloof during talks.",
        "Firms must strengthen for winter; leaders vowed to strengthen cooperation and strengthen in the region.",
        "They tried to explain media bias and help explain television ratings.",
        "They disclaim any responsibility, and disclaim liability; her expertise in law helped.",
        "The Consumer Protection Minister toured the Medical Center East with personal care gadgets.",
        "Studies that take a look at the data, and we take a look at outcomes in May.",
        "The cost, as a minimal requirement, was on the least expensive plan.",
        "University college students who strengthen their skills, and those who strengthen ties.",
        "The firm is based mostly in London and essentially based on trust.",
        "Costs equivalent to 5 percent of sales were comparable to last year; rivals akin to giants.",
        "The garden is restful to the eyes, and the room was restful at night.",
        "A fragment of the vase was found; the tip of the iceberg, and a tip of the hat.",
        "He had known as a child that the inner most circle got here at night.",
        "He was too frail to walk, and frail to the touch.",
        "The Google Home Speaker sold well, and manufacturing cuts jobs.",
        "Rates rose sooner than expected, much sooner than planned, a week earlier than the vote and sooner than he thought.",
        "The firefighters put up a fight, and she tried to salvage a deal.",
        "Most cancers are treatable, and the most modern aircraft flew over the house.",
        "A change of route cut the trip, and the leisure of retirement suits him.",
        "They spent a quiet Sunday at home with the native speakers of the island.",
        "The car was modified into a racer, and all lawful means were used; they settle on a date.",
        "Coronary heart disease is common; he was responsible for the verdict and the driving force behind the plan.",
        "They sat by the hearth at home; the opposition chief of staff met the Smash Mouth band.",
        "A data protection lawyer said the House probe into the Outer House of the Court of Session was a market smash hit.",
        "The most modern version of the jet and the Alaska Native media met a microbial cell community.",
        "The tornado left house debris on a House mission's route; set doable targets and a conference name.",
        # the thirteenth part's conditions: ordinary English where they do not hold
        "He talked about a hundred times, about a week ago and about a new plan; she cared about a dozen cats.",
        "The vaccine is most effective in older adults, and the most effective treatment is rest.",
        "They pass the buck, the buck stops here, and the choice of candidates was wide.",
        "She had a desire of the heart to return; he was raised out of poverty.",
        "Avid gamers lined up for the new console on Friday.",
        "The custom survives to this present day, and the assertion that prices fell was wrong.",
        "Under the circumstances the circumstances of his death are unclear, and in two circumstances nobody knew.",
        "He trained three times per week later in life, and took 20 doses per day earlier on.",
        "The exterior walls, the exterior of the house and the party's inner circle were new.",
        # the fourteenth part's conditions
        "Investors adore certainty, and fans cherish the club; tourists visited foreign places and distant places.",
        "The hotel offers first rate service in every price range, and the price range of the phones is wide.",
        "She spent one day of the week at home, and for one day of the trip it rained.",
        "The statue stands upright now, and the pole is upright now.",
        "He cited it as an instance where rules failed, as an instance of overreach.",
        "They looked at recent data, and holders took half in cash.",
        # the fifteenth part's conditions
        "The castle is a major tourist attraction, the main attraction the city offers.",
        "They are as worthy as any rival, and the appeal was as worthy as the claim.",
        "The shop sent an invoice into the system, and he printed the invoice.",
        "Online shopping and selling of used goods rose, and they discussed shopping and selling habits.",
        "A unique opportunity arose in the impending storm, and the lawyers were conversant in the law.",
        # the sixteenth part's conditions
        "Japanese Canadians and Japanese cities grew; the answer lies within the history books and within the next week.",
        "Children learn to verbalize their feelings, and the corporate world changed.",
        "No person shall be held in slavery, and no person who voted may vote again.",
        "Exceptions thrown from within the event handler and work within the form are caught.",
        # the seventeenth part's conditions
        "We will talk over with the team and consult with experts; she is no longer but a child, and it is no longer, but rarely, used.",
        "The selection of candidates took months, and the free up of memory is automatic; free up space first.",
        "The selection of people for the jury and the selection of other members took a week.",
        "Students pay fees, the drive thru was closed, and users are browsing for deals.",
        "He used to keep up a correspondence with her, and the results were no longer straight away followed by a reply.",
        "She wanted to keep up a correspondence, which capability the firm lacks.",
        "Students learn about history, and let her learn about it; once a year the festival returns, and he visits once a year.",
        # the eighteenth part's conditions
        "The waiter handed the bill to her, and Congress handed the president a win; smoking can harm the lungs, and a switch fee applies.",
        # the nineteenth part's conditions
        "She renewed her golf membership, and a league membership fee applies; he was responsible for the plan.",
        "The singer became a megastar; please enter a document number. It was a traumatic experience, and he paid beforehand.",
        "The claim was lacking, and the details were lacking; people lacking access to water suffered.",
        "The iciness of her tone surprised him, and the highly efficient engine saved fuel; a complete bunch of nonsense.",
        "No matter what happens, the cost is high no matter the weather; the capability of the plant rose.",
        "He paid the invoice, and she signed the invoice; sales grew by bigger margins.",
        # the twenty-third part's conditions: ordinary English where they do not hold
        "What used to be called a village used to be known for its fair, and he used to be married to her.",
        "The festival used to be held in June and used to be paid for by the town; there used to be a mill.",
        "The identical twins wore the identical.",
        "Patients had slightly elevated blood pressure, so doctors decrease the dose; cut it to the same length of time.",
        "Focus on the time you spend and save on the time it takes, based on the time of day; the electorate will decide.",
        "Prices are not what they used to be, and gaming used to be so cheap; the old mill used to be.",
        "They used to be close, and those used to be the rules.",
        "It's miles away and it's miles better; the deal came sooner than expected, one of many reasons.",
        "Talks must end within the next month, within the framework of the law and within the same budget.",
        "A second spherical object was seen in the first spherical shell, and a third spherical particle formed.",
        "The drug is not most effective when taken late, and the most effective dose is not most effective.",
        # the eleventh part's conditions: ordinary English where they do not hold
        "We have made up our minds, and we made up our minds long ago.",
        "Call me as soon as more data arrives, and as soon as more troops land the talks can begin.",
        "If truth be told, the plan was weak. And, if truth be told, nobody cared.",
        "Practically all of the staff agreed, and the method is practically useless.",
        "Developers should avoid the usage of global variables, and the usage of antibiotics rose.",
        "Consult a licensed professional for advice before the work starts.",
        "Ambition was the driving force behind the deal and a driving force of growth.",
        "The Christmas Celebration opened, and the Celebration of Light festival followed.",
        "It was an exhausting drive home after working exhausting hours in the heat.",
        "Click the compare button, and the compare view shows both files.",
        "Banks sell financial products and services, and lawyers sell legal products and services.",
        "The most contemporary design won, and contemporary art sold well in contemporary London.",
        # older tells that bench/spin_table_clean.py found in clean text, now conditioned
        "Voters with out-of-state licences queued, and the war was effectively being run by aides.",
        "The film came out in a 2D version, and the 2d array is sparse.",
        "She opened the kitchen cupboard, and the Cupboard Store sold its doors.",
        # the twelfth part's conditions
        "Her memories had faded, and the faded jeans sold well.",
        "It's miles from the coast, and it's miles better than before.",
        "Both sides hope to settle the case; the two firms will settle on Monday.",
        "The team dominated that season and dominated in midfield.",
        "The long walk was tiring on Monday, and a tiring final push followed; it was tiring on Sunday.",
        "Social media experiences are changing, and the experiences of patients vary.",
        "He is no longer going to run, and she is no longer going there.",
        "The factual errors were fixed, and the factual record stands.",
        "The plan is basically based on trust, and he is basically based in London now.",
        # a key does not reach across a paragraph boundary (a heading without a full stop)
        "Use the old form where appropriate\n\nNow the board will vote on the rest.",
    ],
)
def test_ordinary_uses_of_spun_forms_survive_even_in_a_flagged_document(text):
    assert spin.despin_explained(text, score=1.0).text == text


def test_repair_explains_every_change_and_spans_point_at_the_input():
    res = spin.despin_explained(SPUN)
    assert res.flagged and res.repairs
    for r in res.repairs:
        assert SPUN[r.start : r.end] == r.old
        assert "LM gain" in r.evidence
    rebuilt, pos = [], 0
    for r in res.repairs:
        rebuilt += [SPUN[pos : r.start], r.new]
        pos = r.end
    assert "".join(rebuilt) + SPUN[pos:] == res.text


def test_paragraph_breaks_are_kept():
    assert spin.despin(SPUN).count("\n\n") == SPUN.count("\n\n")


def test_lm_vetoes_a_candidate_that_makes_the_sentence_less_probable():
    # a corpus whose clean text always says "bright lights": the bigram evidence beats the
    # table's weak prior for "bright" -> "keen" after "is"
    lm = spin.NgramLM(["the city is bright at night"] * 200)
    assert lm.gain("is", "keen", "bright", "at") < -section("spin")["prior_likely"]
    res = spin.despin_explained("The city is bright at night.", score=1.0, lm=lm)
    assert res.text == "The city is bright at night."


def test_no_op_on_clean_seeds(seeds):
    for sid in ("000", "001", "002", "004"):
        res = spin.despin_explained(seeds[sid])
        assert res.text == seeds[sid] and not res.repairs, sid


@pytest.mark.skipif(not (SHARED / "bench" / "extraction" / "text").exists(), reason="shared bench data absent")
def test_no_op_on_clean_web_news():
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in sorted((SHARED / "bench" / "extraction" / "text").glob("*.txt"))]
    changed = [i for i, t in enumerate(texts) if spin.despin(t) != t]
    assert len(texts) > 50 and not changed


@pytest.mark.skipif(not (SHARED / "bench" / "extraction" / "ground-truth.json").exists(), reason="shared bench data absent")
def test_no_tell_of_the_table_stands_in_clean_articles_or_seeds(seeds):
    """A "tell" flags a short text alone, so none may match (with its condition) in text a writer
    wrote: the 181 clean article bodies, their naive text dumps and the clean seeds
    (``bench/spin_table_clean.py`` runs the same check over more English)."""
    gt = json.loads((SHARED / "bench" / "extraction" / "ground-truth.json").read_text(encoding="utf-8"))
    texts = [rec.get("articleBody") or "" for rec in gt.values()]
    texts += [p.read_text(encoding="utf-8", errors="replace") for p in sorted((SHARED / "bench" / "extraction" / "text").glob("*.txt"))]
    texts += [t for k, t in seeds.items() if k != "003"]
    matcher = spin.Matcher(spin.default_entries())
    hits = [(t[a - 30 : b + 30], e.spun) for t in texts for a, b, e in matcher.candidates(t, spin._Context(t)) if e.cls == "tell"]
    assert len(texts) > 300 and not hits, hits[:5]
    # the check can fail: a tell that ordinary English holds is found
    bad = spin.Matcher([spin.make_entry("according to", "per", "tell")])
    assert any(bad.candidates(t, spin._Context(t)) for t in texts)


def test_sentence_initial_additionally_is_no_evidence_of_spinning():
    """Writers open sentences with "Additionally,"; the family prints it for "also" anywhere.
    Counting the sentence-initial one flagged two clean Wikipedia pieces of bench/spin_external.py
    (with "attributable to" and the thesaurus layer's gray zone), so it no longer counts; both
    are still repaired in a flagged document (the second table row carries the flag "nodetect")."""
    assert spin.spin_score("Additionally, the study found that exercise helps older adults.") == 0.0
    assert spin.spin_score("The study additionally found that exercise helps older adults.") > 0.0
    r = spin.despin_explained("He additionally said the plan would fail.", score=1.0)
    assert r.text == "He also said the plan would fail."
    # in a flagged document both are still repaired: "nodetect" only keeps the first out of the score
    r = spin.despin_explained("Additionally, the firm said it would cut jobs.", score=1.0)
    assert r.text == "Also, the firm said it would cut jobs." and "nodetect" in r.repairs[0].evidence


def test_passive_be_taught_and_particulars_are_no_evidence_of_spinning():
    """"be taught" (learn) and "particulars" (details) are ordinary English too ("should be taught
    at school", Aristotle's "particulars"): with one thesaurus repair each put a clean 150-word
    Wikipedia window of the dev half of bench/spin_external.py in the gray zone and flagged it. They
    no longer count toward the score ("nodetect"); a flagged document still has them decided."""
    for text in ("Children should be taught to read at school.", "The court heard the particulars of the case."):
        assert spin.spin_score(text) == 0.0, text
    r = spin.despin_explained("Students will be taught more about the plan, officers talked about.", score=1.0)
    assert ("be taught", "learn") in {(x.old, x.new) for x in r.repairs}


@hsettings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(list("abc XYZ.-\n'") + ["of us ", "twelve months ", "Can also ", "-sure ", "p.c. ", "U.S."]), max_size=80).map("".join))
def test_never_raises_and_repairs_are_consistent(text):
    res = spin.despin_explained(text, score=1.0)
    for r in res.repairs:
        assert text[r.start : r.end] == r.old
    assert 0.0 <= spin.spin_score(text) <= 1.0


# --------------------------------------------------------------------------- corpus


SOURCE = (
    "Officials said the colossal bridge over the river in Lyon would reopen on June 12 after repairs costing 40 million euros.\n\n"
    "Mayor Anne Roux said traffic in Lyon had suffered for months."
)
SPUN_COPY = (
    "Officers talked about the gargantuan bridge over the river in Lyon might maybe maybe well well reopen on June 12 after repairs costing 40 million euros.\n\n"
    "Mayor Anne Roux talked about traffic in Lyon had suffered for months, the authorities officers talked about."
)


def test_cross_document_restoration_from_a_clean_near_duplicate():
    # "gargantuan" is in no table: only the aligned clean sentence can restore it
    assert "gargantuan" in spin.despin(SPUN_COPY)
    res = spin.despin_corpus([SPUN_COPY, SOURCE], ids=["spun", "src"])
    fixed = res.results[0]
    assert fixed.flagged and not res.results[1].flagged and res.results[1].text == SOURCE
    assert "colossal bridge" in fixed.text and "would reopen" in fixed.text
    ev = [r for r in fixed.repairs if r.old == "gargantuan"]
    assert ev and "aligned" in ev[0].evidence and "src" in ev[0].evidence
    assert ("gargantuan", "colossal") in res.learned


def test_no_restoration_when_numbers_disagree():
    other = SOURCE.replace("June 12", "July 3").replace("40 million", "55 million")
    res = spin.despin_corpus([SPUN_COPY, other])
    assert "gargantuan" in res.results[0].text


def test_an_aligned_source_never_swaps_a_name():
    # the clean sentence shares the frame and most names but reports another builder: that is
    # another fact, not the spinner's wording; the spinner's swaps in the sentence still come back
    src = SOURCE.replace("40 million euros.", "40 million euros, builder Gamma Construction said.")
    spun = SPUN_COPY.replace("40 million euros.", "40 million euros, builder Alpha Construction talked about.")
    res = spin.despin_corpus([spun, src], ids=["spun", "src"])
    fixed = res.results[0]
    assert "builder Alpha Construction said" in fixed.text and "Gamma" not in fixed.text
    assert "colossal bridge" in fixed.text and "would reopen" in fixed.text
    assert not any("Alpha" in r.old for r in fixed.repairs)


def _docs(pairs: list[tuple[str, str]]) -> list[Document]:
    out = []
    for i, (ident, text) in enumerate(pairs):
        d = Document(id=ident, source=f"{ident}.txt", text=text)
        out.append(stages.spin_stage(d))
    return out


def test_table_learning_across_two_runs(tmp_path):
    state = tmp_path / "state"
    third = (
        "Officers talked about the gargantuan dam near Porto might maybe maybe well well open in Can also, "
        "the authorities officers talked about. Officers acknowledged prices gain risen this twelve months."
    )
    # run 1: one spun copy of the source; the pair is learned once, not yet applied elsewhere
    run1 = stages.despin_corpus_stage(_docs([("spun1", SPUN_COPY), ("src1", SOURCE), ("other", third)]), state)
    table = json.loads((state / stages.SPIN_TABLE_FILE).read_text(encoding="utf-8"))
    assert table["runs"] == 1
    assert [r["count"] for r in table["pairs"] if (r["spun"], r["original"]) == ("gargantuan", "colossal")] == [1]
    assert "gargantuan" in run1[2].text
    # run 2: another story with its own clean source repeats the swap: it recurs, so it is
    # applied to the spun document that has no source at all
    src2 = "Engineers said the colossal tunnel under the Alps in Turin would open on May 3 at a cost of 2 billion euros."
    spun2 = "Engineers talked about the gargantuan tunnel under the Alps in Turin might maybe maybe well well open on May 3 at a cost of 2 billion euros, officers acknowledged, the authorities officers talked about."
    run2 = stages.despin_corpus_stage(_docs([("spun2", spun2), ("src2", src2), ("other", third)]), state)
    table = json.loads((state / stages.SPIN_TABLE_FILE).read_text(encoding="utf-8"))
    assert table["runs"] == 2
    assert [r["count"] for r in table["pairs"] if (r["spun"], r["original"]) == ("gargantuan", "colossal")] == [2]
    assert "colossal dam" in run2[2].text
    prov = run2[2].provenance[-1]
    assert prov["stage"] == "spin-corpus" and prov["changed"]
    assert any(r["old"] == "gargantuan" and "learned" in r["evidence"] for r in prov["repairs"])


def test_rerunning_the_same_corpus_does_not_make_a_pair_recur(tmp_path):
    state = tmp_path / "state"
    for _ in range(3):
        stages.despin_corpus_stage(_docs([("spun1", SPUN_COPY), ("src1", SOURCE)]), state)
    table = json.loads((state / stages.SPIN_TABLE_FILE).read_text(encoding="utf-8"))
    assert table["runs"] == 3
    assert [r["count"] for r in table["pairs"] if r["spun"] == "gargantuan"] == [1]


def test_damaged_state_file_is_set_aside(tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    (state / stages.SPIN_TABLE_FILE).write_text("not json", encoding="utf-8")
    out = stages.despin_corpus_stage(_docs([("spun1", SPUN_COPY), ("src1", SOURCE)]), state)
    assert "table_problem" in out[0].provenance[-1]
    assert json.loads((state / stages.SPIN_TABLE_FILE).read_text(encoding="utf-8"))["runs"] == 1


def test_spin_stage_records_score_flag_and_repairs(seeds):
    d = stages.spin_stage(Document(id="003", source="003.txt", text=seeds["003"]))
    p = d.provenance[-1]
    assert p["stage"] == "spin" and p["flagged"] and p["changed"]
    assert d.spin_score == p["score"] >= THRESHOLD
    assert len(p["repairs"]) >= 50
    assert all(set(r) == {"span", "old", "new", "evidence"} for r in p["repairs"])


# --------------------------------------------------------------------------- thesaurus layer (issue 18)


def test_thesaurus_candidates_include_generic_terms_phrases_and_inflections():
    th = spin.thesaurus()
    assert "interest" in th["curiosity"]  # a generic term ("interest" -> "curiosity")
    assert "bank" in th["financial institution"]  # a phrase for a word
    assert "rates" in th["charges"]  # plural to plural
    assert "told" in th["informed"]  # past to past
    # candidates are content words and never numbers
    assert "up on" not in th.get("informed", ())
    assert "billion" not in th.get("trillion", ())


def test_background_bigrams_prefer_the_news_collocation():
    bg = spin.background_bigrams()
    assert bg.gain("central", "bank", "financial institution", "said") > 1.0
    assert bg.gain("raised", "interest", "curiosity", "rates") > 1.0
    # an unlisted bigram of a rare word is not scored as if the word were impossible
    assert bg.logp("would", "resign") > math.log10(spin._unigram("resign"))


@pytest.mark.parametrize(
    "spun, original",
    [
        ("Police said her male sibling was arrested on Monday.", "Police said her male sibling was arrested on Monday.".replace("male sibling", "brother")),
        ("He was stopped by peace officers near the border.", "He was stopped by police officers near the border."),
        ("The central financial institution held rates steady.", "The central bank held rates steady."),
    ],
)
def test_thesaurus_layer_repairs_spun_phrases_in_a_flagged_document(spun, original):
    res = spin.despin_explained(spun, score=1.0)
    assert res.text == original
    assert any("WordNet" in r.evidence or "table entry" in r.evidence for r in res.repairs)


def test_thesaurus_layer_leaves_ordinary_words_alone_in_a_flagged_document():
    text = "The minister would resign this year, officials said, as talks on farm tariffs stalled again."
    res = spin.despin_explained(text, score=1.0)
    assert res.text == text, [(r.old, r.new) for r in res.repairs]


def test_thesaurus_layer_is_off_when_disabled():
    text = "The central financial institution held rates steady."
    assert spin.despin_explained(text, score=1.0, overrides={"thesaurus": False}).text == "The central bank held rates steady."  # the table's tell
    text = "Police said her male sibling was arrested on Monday."
    assert spin.despin_explained(text, score=1.0, overrides={"thesaurus": False}).text == text


def test_thesaurus_repairs_are_explained():
    res = spin.despin_explained("Police said her male sibling was arrested on Monday.", score=1.0)
    (r,) = res.repairs
    assert (r.old, r.new) == ("male sibling", "brother")
    assert "WordNet" in r.evidence and "LM gain" in r.evidence


# --------------------------------------------------------------------------- idempotence (issue 21)


def test_despin_of_an_all_caps_tell_is_a_fixpoint():
    once = spin.despin("MIGHT MAYBE MAYBE WELL WELL")
    assert spin.despin(once) == once


def test_despin_is_idempotent_on_the_spun_story_and_seed_003(seeds):
    for text in (SPUN, seeds["003"]):
        once = spin.despin(text)
        assert spin.despin(once) == once


_SPIN_WORDS = [
    "might maybe maybe well well ", "twelve months ", "Can also ", "p.c. ", "of us ", "officers ", "articulate ",
    "financial institution ", "central ", "curiosity ", "charges ", "male sibling ", "peace officers ", "MIGHT ",
    "MAYBE ", "WELL ", "the ", "talks ", "said ", ". ", ", ", "\n", "Eastern ", "High Minister ", "gain ", "resign ",
]


@hsettings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from(_SPIN_WORDS), max_size=60).map("".join))
def test_despin_is_idempotent(text):
    once = spin.despin(text)
    assert spin.despin(once) == once


@hsettings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(_SPIN_WORDS), max_size=40).map("".join))
def test_repairs_of_several_passes_point_at_the_input(text):
    res = spin.despin_explained(text, score=1.0)
    rebuilt, pos = [], 0
    for r in res.repairs:
        assert text[r.start : r.end] == r.old
        rebuilt += [text[pos : r.start], r.new]
        pos = r.end
    assert "".join(rebuilt) + text[pos:] == res.text


# --------------------------------------------------------------------------- no seed-specific strings


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z][a-z'’\-]+", text.lower()))


def _only_003_words(seeds) -> set[str]:
    """Words of seed 003 that no other seed (nor, where ../shared is present, any of the 181 clean
    article bodies) contains and that are not ordinary English (wordfreq Zipf < 2.5): its reporters'
    names, the spinner's odd outputs that only 003 showed."""
    other = set().union(*(_words(t) for k, t in seeds.items() if k != "003"))
    gt = SHARED / "bench" / "extraction" / "ground-truth.json"
    if gt.exists():
        for rec in json.loads(gt.read_text(encoding="utf-8")).values():
            other |= _words(rec.get("articleBody") or "")
    return {w for w in _words(seeds["003"]) - other if zipf_frequency(w, "en") < 2.5}


def test_no_data_file_or_cleaner_holds_a_word_only_seed_003_has(seeds):
    only = _only_003_words(seeds)
    assert len(only) >= 5  # the scan has something to look for (names, spinner oddities)
    root = Path(spin.__file__).resolve().parent
    generated = {spin.THESAURUS_FILE, spin.MOBY_FILE}  # from WordNet and Moby by scripts/make_spin_thesaurus.py
    for path in sorted((root / "data").iterdir()) + sorted(root.glob("*.py")):
        raw = path.read_bytes()
        text = (gzip.decompress(raw) if path.suffix == ".gz" else raw).decode("utf-8", "replace")
        found = only & _words(text)
        if path.name in generated:  # a general-English resource may hold a rare English word
            found = {w for w in found if zipf_frequency(w, "en") < 2.0}
        assert not found, f"{path.name} holds words only seed 003 contains: {sorted(found)}"


# --------------------------------------------------------------------------- single-word decider (issue 18)


def test_thesaurus_keeps_originals_that_sit_far_down_a_common_words_list():
    th = spin.thesaurus()
    tried = spin.section("spin")["thesaurus_max_options"]
    # a common spun word has dozens of possible originals; twelve kept these out
    assert "concept" in th["idea"][:tried] and "agreed" in th["held"][:tried]


def test_decider_weights_match_its_features_and_have_the_evidence_signs():
    w = spin.decider_weights()
    assert set(w) == set(spin.DECIDER_FEATURES)
    assert w["cand_in_doc"] > 0  # the document using the candidate elsewhere is evidence for it
    assert w["channel_cost"] < 0  # a candidate whose entry offers many forms is less likely the source
    assert w["left_gain"] > 0 and w["right_gain"] > 0
    assert w["tri_left_gain"] > 0 and w["tri_right_gain"] > 0  # the trigram model's sentence window


def test_background_trigrams_score_the_sentence_window_with_two_words_of_history():
    tg = spin.background_trigrams()
    # a trigram, not a bigram: the word two back counts ("raised interest rates", not "his interest rates")
    assert tg.logp("rates", ["interest", "raised"]) > tg.logp("rates", ["interest"]) + 0.5
    assert tg.logp("rates", ["interest", "raised"]) > tg.logp("rates", ["interest", "his"]) + 0.5
    assert tg.window(["the", "central"], "bank", ["said", "on"]) > tg.window(["the", "central"], "financial", ["said", "on"]) + 2
    # the right neighbours' terms count: "interest" fits before "rates", "curiosity" does not
    assert tg.window(["<s>", "raised"], "interest", ["rates", "</s>"]) > tg.window(["<s>", "raised"], "curiosity", ["rates", "</s>"]) + 1
    # a word outside the vocabulary gets the floor for its own term, never the model's "impossible"
    assert tg.logp("qzxv", ["the"]) == tg.oov_logp


def test_trigram_context_stops_at_sentences_and_reads_repairs_already_made():
    text = "Cops said her sibling was held. Talks, officials said, stalled\nagain today"
    toks = [(m.group(), m.start(), m.end()) for m in spin._TOKEN.finditer(text)]
    low = [t.lower() for t, _a, _b in toks]
    seq, at = spin._trigram_sequence(text, toks, low, [(0, 4, "Police officers")])
    assert seq[:3] == ["police", "officers", "said"]  # the repair's output is the context, once
    assert at[0] == -1 and at[low.index(",")] == -1  # inside a repair; punctuation
    i = low.index("talks")
    assert spin._trigram_context(seq, at[i]) == (["<s>"], ["officials", "said"])  # a sentence opens; commas are not words
    assert spin._trigram_context(seq, at[low.index("stalled")]) == (["officials", "said"], ["</s>"])  # a line break ends it
    assert spin._trigram_context(seq, at[low.index("sibling")]) == (["said", "her"], ["was", "held"])


def _p_original(evidence: str) -> float:
    return float(re.search(r"decider P\(original\) ([0-9.]+)", evidence).group(1))


def test_decider_repairs_a_spun_word_and_the_documents_own_use_of_the_candidate_counts():
    alone = "The company said its stockholders had backed the plan."
    used = "Shareholders will vote on the merger next week. " + alone + " Shareholders meet again in May."
    # the first model's evidence, under its probability rule alone (the odds rule also weighs how
    # much of the document looks spun: in ``used`` most words fit, so it keeps the printed word)
    rule = {"thesaurus_odds_ratio": 0.0, "thesaurus_decider_threshold": 0.5}
    (r1,) = spin.despin_explained(alone, score=1.0, overrides=rule).repairs
    (r2,) = spin.despin_explained(used, score=1.0, overrides=rule).repairs
    assert (r1.old, r1.new) == (r2.old, r2.new) == ("stockholders", "shareholders")
    assert _p_original(r2.evidence) > _p_original(r1.evidence) + 0.2
    assert "bigram gain left" in r1.evidence and "largest contributions" in r1.evidence


def test_decider_threshold_decides_and_the_joint_decoding_remains_selectable():
    text = "The company said its stockholders had backed the plan."
    assert spin.despin_explained(text, score=1.0, overrides={"thesaurus_decider_threshold": 0.99}).text == text
    res = spin.despin_explained("Police said her male sibling was arrested on Monday.", score=1.0, overrides={"thesaurus_decider": "viterbi"})
    assert "brother" in res.text


def test_decider_leaves_clean_news_alone_in_a_flagged_document(seeds):
    # a flagged document's clean sentences: the decider may only change what it is confident about
    for key in ("000", "002", "004"):
        res = spin.despin_explained(seeds[key], score=1.0)
        words = len(seeds[key].split())
        assert len(res.repairs) <= max(2, 0.01 * words), [(r.old, r.new) for r in res.repairs]


def test_the_deciders_running_sum_is_the_named_features_sum(seeds, monkeypatch):
    """The decider scores each position's candidates without building their feature tables; its
    best log-odds and choice are those of the named features (what the fitter fits and the
    evidence shows), at every position of seed 003 and of the spun story."""
    fast, seen = spin._best_option, []

    def checked(p, counts, w):
        z, k, side = fast(p, counts, w)
        opts = spin._options(p, counts)
        ref = [sum(w[n] * v for n, v in f.items()) for _c, f in opts]
        assert set(opts[0][1]) == set(spin.DECIDER_FEATURES)
        assert z == pytest.approx(max(ref), abs=1e-9)
        assert ref[k] == pytest.approx(max(ref), abs=1e-9)
        # the printed-word model's inputs are the same evidence as the named features'
        best = opts[k][1]
        assert side["best_z"] == z and side["best_tri_gain"] == best["tri_left_gain"] + best["tri_right_gain"]
        for name in ("spun_left_pmi", "spun_right_pmi", "spun_in_doc", "spun_zipf", "n_cands", "tri_spun_oov", "best_gain_here", "n_better", "tri_n_better"):
            assert side[name] == pytest.approx(best[name], abs=1e-9), name
        seen.append(k)
        return z, k, side

    monkeypatch.setattr(spin, "_best_option", checked)
    for text in (seeds["003"], SPUN):
        spin.despin(text)
    assert len(seen) > 100 and any(seen)  # many positions, and not always the first candidate


def test_printed_word_model_reads_the_documents_spin_level():
    w = spin.printed_weights()
    assert set(w) == set(spin.PRINTED_FEATURES)
    assert w["doc_spin"] < 0  # a document spun throughout: a printed word is less likely its original
    assert w["best_z"] < 0  # a candidate that fits much better: the printed word is less likely the original
    # the spin level is read from the text: higher for a copy spun throughout than for the clean story
    import thesaurus_spinner  # bench/: a spinner whose vocabulary the repair never read

    clean = ("The central bank raised interest rates on Tuesday, and officials said the decision would help "
             "the economy. Analysts expect further increases this year as prices continue to climb quickly.")
    spun = thesaurus_spinner.spin_text(clean, seed=3, rate=1.0)

    def level(text):  # the spin level over the positions the repair reads
        got: list = []
        spin._thesaurus_repairs(text, spin._plain_lm(), spin.section("spin"), positions=got)
        (value,) = {side["doc_spin"] for _tok, side in got}
        return value

    assert spun != clean and level(spun) > level(clean) + 1.0


def _right_repairs_on_spun_seeds(seeds, variants: dict[str, dict], check=None) -> dict[str, int]:
    """Seeds 001/002/004 spun by the bench's thesaurus spinner at every word it knows, repaired with
    the flag forced under each variant's ``[spin]`` overrides: how many repairs give back the word
    the spinner replaced, per variant (``check(name, text, result)`` sees each repair too)."""
    import thesaurus_spinner

    right = dict.fromkeys(variants, 0)
    for k in ("001", "002", "004"):
        text, log = thesaurus_spinner.spin_text_logged(seeds[k], seed=7, rate=1.0)
        want = {(a, b): o.lower() for a, b, o in log}
        for name, ov in variants.items():
            res = spin.despin_explained(text, score=1.0, overrides=ov)
            right[name] += sum(1 for r in res.repairs if want.get((r.start, r.end)) == r.new.lower())
            if check is not None:
                check(name, text, res)
    return right


def test_odds_rule_repairs_more_of_a_story_spun_throughout_and_less_of_clean_text(seeds):
    """The odds rule (P(candidate) against P(printed word)) against the probability rule alone,
    the decider before it: clean seeds forced through repair are changed less, and the seeds spun
    by the bench's thesaurus spinner at every word it knows get more words back."""
    import thesaurus_spinner

    old = {"thesaurus_odds_ratio": 0.0, "thesaurus_decider_threshold": 0.5}
    clean_new = sum(len(spin.despin_explained(seeds[k], score=1.0).repairs) for k in ("001", "002", "004"))
    clean_old = sum(len(spin.despin_explained(seeds[k], score=1.0, overrides=old).repairs) for k in ("001", "002", "004"))
    assert clean_new < clean_old
    right = _right_repairs_on_spun_seeds(seeds, {"new": {}, "old": old})
    assert right["new"] > right["old"] * 1.1, right
    res = spin.despin_explained(thesaurus_spinner.spin_text(seeds["004"], seed=7, rate=1.0), score=1.0)
    ev = [r.evidence for r in res.repairs if "decider P(original)" in r.evidence]
    assert ev and all("P(printed word is the original)" in e and "document spin level" in e for e in ev)


def test_spun_phrases_judged_with_the_trigram_window_come_back_more_often(seeds):
    """A spun phrase ("financial institution") is judged by the bigram gain plus the trigram
    model's over the sentence window: on the clean seeds spun by the bench's thesaurus spinner at
    every word it knows, more phrase repairs are right than by the bigrams alone, and the clean
    seeds forced through repair are changed no more."""
    import thesaurus_spinner

    bigrams = {"thesaurus_phrase_trigram_weight": 0.0, "thesaurus_min_gain": 0.0}
    right = {"window": 0, "bigrams": 0}
    for k in ("000", "001", "002", "004"):
        for sd in (7, 8):
            text, log = thesaurus_spinner.spin_text_logged(seeds[k], seed=sd, rate=1.0)
            want = {(a, b): o.lower() for a, b, o in log if " " in text[a:b]}
            for name, ov in (("window", {}), ("bigrams", bigrams)):
                res = spin.despin_explained(text, score=1.0, overrides=ov)
                right[name] += sum(1 for r in res.repairs if " " in r.old and want.get((r.start, r.end)) == r.new.lower())
    assert right["window"] > right["bigrams"] * 1.1, right
    for k in ("000", "001", "002", "004"):
        assert len(spin.despin_explained(seeds[k], score=1.0).repairs) <= len(spin.despin_explained(seeds[k], score=1.0, overrides=bigrams).repairs)
    (r,) = spin.despin_explained("Police said her male sibling was arrested on Monday.", score=1.0).repairs
    assert (r.old, r.new) == ("male sibling", "brother") and "trigram window" in r.evidence


def test_sentences_are_the_sliced_tokenisation(seeds):
    """The corpus step's sentence index (tokens matched within each sentence's span, offsets
    worked out when asked, word tokens counted by the word-only pattern) equals slicing each
    line into sentences and tokenising the slices, on the seeds and on random text made of the
    characters where the patterns could disagree."""
    import random

    def sliced(doc: int, text: str) -> list[tuple]:
        out = []
        for line in re.finditer(r"[^\n]+", text):
            base, body = line.start(), line.group()
            pieces, pos = [], 0
            for m in spin._SENT_END.finditer(body):
                pieces.append((pos, m.start()))
                pos = m.end()
            pieces.append((pos, len(body)))
            for a, b in pieces:
                toks = tuple((m.group(), base + a + m.start(), base + a + m.end()) for m in spin._TOKEN.finditer(body[a:b]))
                if sum(1 for t, _x, _y in toks if spin._WORDISH.search(t)) >= 4:
                    out.append((doc, base + a, toks, tuple(t.lower() for t, _x, _y in toks),
                                frozenset(t for t, _x, _y in toks if spin._DIGIT.search(t))))
        return out

    rng = random.Random(5)
    alphabet = list("aB1_ .!?'’-\"”“‘()\n\t") + ["İ", "²", "Ⅷ", "Ⓐ", "é", "ς", "\u0307", "\u00a0", "\u2028", "word", "U.S.", "Mr. X"]
    texts = list(seeds.values())
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 400))) for _ in range(3000)]
    checked = 0
    for k, text in enumerate(texts):
        got = [(s.doc, s.start, s.toks, s.low, s.digits) for s in spin._sentences(k, text)]
        assert got == sliced(k, text), text
        checked += len(got)
    assert checked > 1000


def test_corpus_despin_picks_the_same_source_under_any_hash_seed(tmp_path):
    """Two clean sentences share as many names with a spun one (different names) and align as
    well: which one is the source must not follow the order of a set of strings (the hash seed).
    Before the anchors were sorted, 2 of 8 seeds picked the other source here."""
    import subprocess

    code = (
        "import json\n"
        "from cleaners import spin\n"
        "spun = ('TOKYO (Reuters) - Officials at Alpha Corp told reporters in Geneva on Monday that Beta Bank might maybe well grow, '\n"
        "        'the firm became once said in a data convention.')\n"
        "c1 = ('TOKYO (Reuters) - Officials at Alpha Corp told reporters in Paris on Monday that Beta Bank would grow, '\n"
        "      'the firm was said in a news conference.')\n"
        "c2 = ('TOKYO (Reuters) - Officials at Gamma Corp told reporters in Geneva on Monday that Beta Bank could grow, '\n"
        "      'the firm is said in a press conference.')\n"
        "other = 'A quiet day in the markets. Nothing moved much at all, traders said on Friday in London.'\n"
        "res = spin.despin_corpus([spun, c1, c2, other], scores=[0.9, 0.0, 0.0, 0.0])\n"
        "print(json.dumps([[r.old, r.new, r.evidence] for r in res.results[0].repairs]))\n"
    )
    root = Path(__file__).resolve().parents[1]
    outs = set()
    for seed in range(8):
        env = {**os.environ, "PYTHONHASHSEED": str(seed)}
        outs.add(subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True, check=True).stdout)
    assert len(outs) == 1 and json.loads(outs.pop())  # one answer, and it repairs something


# --------------------------------------------------------------------------- content check


def _spun_without_tells(text: str) -> str:
    """A spinner nobody wrote a table for: the bench's thesaurus spinner with its tells off."""
    import thesaurus_spinner

    return thesaurus_spinner.spin_text(text, seed=7, rate=0.7, tell_rate=0.0)


@pytest.mark.parametrize("name", ["000", "002", "004"])
def test_content_check_flags_a_spinner_without_known_tells_and_leaves_clean_text(seeds, name):
    """Without the spinner's tells the table sees nothing; the content check (off by default)
    reads the spin level from the text and flags the spun copy, never the clean seed."""
    clean = seeds[name]
    spun = _spun_without_tells(clean)
    on = {"content_check": True}
    assert not spin.despin_explained(spun).flagged  # the default: tells only
    res = spin.despin_explained(spun, overrides=on)
    assert res.flagged and res.repairs
    assert res.spin_level is not None and res.spin_level >= section("spin")["content_spin_level"]
    assert res.score == THRESHOLD
    assert spin.despin_explained(res.text, overrides=on).text == res.text  # still a fixpoint
    kept = spin.despin_explained(clean, overrides=on)
    assert not kept.flagged and kept.text == clean
    assert kept.spin_level is not None and kept.spin_level < section("spin")["content_spin_level"]


def test_content_spin_level_reads_only_english_with_enough_words():
    assert spin.content_spin_level("Le gouvernement a annoncé mardi une hausse des impôts pour les entreprises. " * 20) is None
    assert spin.content_spin_level("The minister resigned on Tuesday.") is None  # too few words with candidates


def test_spin_stage_records_why_a_document_was_flagged(seeds, monkeypatch):
    real = spin.section

    def with_check(name, **kw):
        return real(name, **({"content_check": True} | kw)) if name == "spin" else real(name, **kw)

    monkeypatch.setattr(spin, "section", with_check)
    spun = stages.spin_stage(Document(id="x", source="s", text=_spun_without_tells(seeds["002"])))
    rec = spun.provenance[-1]
    assert rec["flagged"] and rec["flagged_by"].startswith("content check: spin level")
    assert rec["spin_level"] >= real("spin")["content_spin_level"]
    told = stages.spin_stage(Document(id="y", source="s", text=seeds["003"]))
    assert told.provenance[-1]["flagged_by"] == "spinner tells" and "spin_level" not in told.provenance[-1]


def test_a_flagged_documents_title_is_repaired_with_it_and_a_clean_ones_is_not(seeds):
    """The boilerplate stage moves a spun headline into the title before the spin stage runs;
    the title is too short to be flagged alone, so it is repaired as part of its document."""
    title = "Eastern High Minister might maybe maybe well well resign this twelve months"
    spun = stages.spin_stage(Document(id="x", source="s", title=title, text=seeds["003"]))
    assert spun.title == "Japanese Prime Minister would resign this year"  # "Japanese": the body speaks of Japan
    rec = spun.provenance[-1]
    assert rec["flagged"] and rec["changed"] and [r["new"] for r in rec["title_repairs"]] == ["Japanese", "Prime Minister", "would", "year"]
    assert spin.despin_explained(title, score=1.0).text.startswith("Eastern Prime Minister")  # alone: no Japan, no "Japanese"
    clean = stages.spin_stage(Document(id="y", source="s", title="Officials articulate the twelve months ahead", text=seeds["000"]))
    assert clean.title == "Officials articulate the twelve months ahead" and "title_repairs" not in clean.provenance[-1]


@pytest.mark.parametrize(
    "text",
    [
        "She refrained from dwelling on the past.",
        "Long Covid sufferers met in London on Monday.",
        "The diet pill curbs the urge for food, doctors said.",
        "Delegates walked the crimson carpet at the gala, and the solar machine pumps water.",
        "The crimson flag flew over the old fort; he wore a crimson card in his lapel.",
        "He saw progress in the reduction of poverty.",
        "The Alaska Native council met on Monday.",
        "We came across responsible adults in the town.",
        "A data protection lawyer said the House probe was a smash hit.",
        # "as effectively / neatly / smartly as" compare a manner too (stop 41): no tell there
        "The new drug works as effectively as the old one, doctors said.",
        "Fold the paper as neatly as possible; he dressed as smartly as ever.",
        # the twenty-third part (stop 42): forms ordinary English has in other senses
        "The error used to be printed to the screen, and the tool returns the identical data.",
        "The shopper spending on groceries rose, and shopper confidence in the brand fell.",
        "The results were better than anticipated, and the tables were the same length last time.",
        "Run journalctl: it prints the logs in the identical text-based format the files in /var/log used to be.",
        "Concerns within the party grew, and the staff within the hospital moved; it's miles better than before.",
    ],
)
def test_one_ordinary_use_of_a_later_table_form_does_not_flag_a_short_text(text):
    """One entry of class "tell" flags a text under ~185 words on its own (``min_words``), so
    the later parts keep such forms only where they are never ordinary English: these are."""
    assert spin.spin_score(text) < THRESHOLD
    assert spin.despin(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "Children can be taught to read at an early age.",
        "Alberta has several financial institutions dealing with private funds.",
        "There are thousands and thousands of others.",
        "Reform is needed at some level of government, the report said.",
        "A drone which is able to fly for hours was shown.",
        "The plan will give you the option to cancel at any time.",
        "Police instructed reporters to stay behind the line.",
        "The union will offer protection to its members.",
        "In the subsequent year the company doubled its sales.",
        "The National Safety Council issued a nationwide safety recall.",
        "The Social Safety Net Act was passed.",
        "An advertising and marketing campaign began on Monday.",
        "It is appropriate now to review the rules.",
        "The app tracks user spending.",
        "An increase in price of oil hit airlines.",
        "Our tip of the week: water plants early.",
        "The entrance page of the site loads quickly.",
        "Inbound shipments rose in March.",
        "Air Power Australia published the study.",
        "Products and companies named here are trademarks.",
    ],
)
def test_one_ordinary_use_of_an_earlier_table_form_does_not_flag_a_short_text(text):
    """The same rule for the table's first parts: forms that ordinary English holds ("can be
    taught", "financial institutions", "at some level of government") are "likely" or carry a
    condition, so one of them does not flag a short text (found on clean text nothing here was
    written on: gensim's Lee news and Wikipedia extract, ``bench/spin_external.py``)."""
    assert spin.spin_score(text) < THRESHOLD
    assert spin.despin(text) == text


def test_the_earlier_forms_made_likely_are_still_restored_in_a_spun_text():
    spun = ("The central financial institution might maybe maybe well well elevate hobby charges subsequent month, "
            "officers instructed journalists at some level of talks with the World Financial institution.")
    r = spin.despin_explained(spun)
    assert r.flagged
    assert r.text == ("The central bank would raise interest rates next month, officials told reporters "
                      "during talks with the World Bank.")


def test_a_nofallback_entry_is_not_applied_where_its_condition_fails():
    """"fireplace" -> "fire" holds before "spread"; elsewhere the entry is dropped, not kept as an
    "unmet" candidate for the LM ("sat by the fire" reads better to it than "by the fireplace")."""
    spun = ("Officials articulate the High Minister might maybe maybe well well resign this twelve months. "
            "The fireplace spread fast, and he sat by the fireplace while the crowd watched.")
    r = spin.despin_explained(spun)
    assert r.flagged
    assert r.text.endswith("The fire spread fast, and he sat by the fireplace while the crowd watched.")
    (e,) = spin.parse_table("fireplace\tfire\tambiguous\tnext=spread;nofallback\n")
    assert not e.fallback and e.clauses == (("next", False, frozenset({"spread"})),)
    assert spin.parse_table("dwell\tlive\tambiguous\tnext=stream\n")[0].fallback


def test_the_table_names_sets_of_condition_values_and_says_where_one_is_missing():
    entries = spin.parse_table("@modal\twill|would\nis able to\tcan\tlikely\tprev=@modal|so;!next=@modal\n")
    assert entries[0].condition == "prev=will|would|so;!next=will|would"
    assert entries[0].clauses == (("prev", False, frozenset({"will", "would", "so"})), ("next", True, frozenset({"will", "would"})))
    with pytest.raises(ValueError, match=r"line 1: unknown set '@modal'"):
        spin.parse_table("is able to\tcan\tlikely\tprev=@modal\n")
    with pytest.raises(ValueError, match="line 1: a set is"):
        spin.parse_table("@modal\n")
    shipped = spin.default_entries()
    assert not any("@" in e.condition for e in shipped)  # every set the shipped table names is defined and expanded


# --------------------------------------------------------------------------- spinner-family candidates


def test_family_file_parses_and_every_form_is_a_lower_case_word():
    fam = spin.family_candidates()
    assert len(fam) >= 60
    for s, origs in fam.items():
        assert s == s.lower() and " " not in s and origs
        for o in origs:
            assert o != s and " " not in o
            # a family candidate comes first among the thesaurus layer's, at the family's channel cost
            assert o in spin.thesaurus()[s]
    costs = spin.thesaurus_costs()["unusual"]
    assert costs[0] == ("new", spin.FAMILY_CHANNEL_COST)
    assert [w for w, _c in costs].count("new") == 1


def test_family_file_error_names_the_line():
    with pytest.raises(ValueError, match=r"spin_family.tsv line 2: .*'strive\|strives\\ttry'"):
        spin.parse_family("# header\nstrive|strives\ttry\n")
    with pytest.raises(ValueError, match="line 1"):
        spin.parse_family("lend a hand\thelp\n")  # single words only: phrases belong to the reverse table


def test_family_candidates_repair_a_flagged_document_and_say_so():
    text = ("The minister said farmers would be paid in full, and the plan would strengthen the unemployed. "
            "The unusual law will come into force next year, officials said. He was instructed to leave "
            "the metropolis by police.")
    r = spin.despin_explained(text, score=1.0)
    got = {(x.old, x.new) for x in r.repairs}
    want = {("unusual", "new"), ("metropolis", "city")}  # ("instructed" -> "told" is a close call there)
    assert want <= got
    for x in r.repairs:
        if x.new.lower() in spin.family_candidates().get(x.old.lower(), ()):
            assert "(spinner-family list)" in x.evidence and "decider P(original)" in x.evidence


@pytest.mark.parametrize("text", [
    "Doctors described it as an unusual case, and the remaining patients were sent home on Friday.",
    "The novel was published in 1962, and its author later moved to the metropolis to teach.",
    "Traders said the central bank would strengthen its grip on the currency after the vote.",
    # the table's tenth part and the later family words
    "The company said its marketing campaign for the new phone would start in May, and sales rose.",
    "The battery stores electrical energy as chemical energy, the researchers wrote in a scientific journal.",
    "Within the waste management sector, recycling rates rose sharply last year, officials said.",
    "It was seemingly endless: the talks dragged on, but the harmless prank drew folks from across town.",
    "The house owners of the street met on Monday to discuss the new parking plan with the council.",
    "She described the novel as a fable about power, and the film as essentially the most honest account.",
    # forms clean writers use that are tells only in the family's other contexts: one alone is no flag
    "The agency will now not raise rates, officials said on Monday.",
    "The code is in accordance to the specification, the maintainers said.",
    "The package ships alongside with its documentation.",
])
def test_ordinary_uses_of_family_words_are_neither_flagged_nor_changed(text):
    r = spin.despin_explained(text)
    assert not r.flagged and r.text == text


def test_british_and_american_spellings_are_not_each_others_spin():
    for a, b in [("kilometres", "kilometers"), ("favourable", "favorable"), ("travellers", "travelers"),
                 ("organised", "organized"), ("defence", "defense"), ("centre", "center")]:
        assert spin.spelling_variants(a, b) and spin.spelling_variants(b, a)
        assert b not in spin.thesaurus().get(a, ())
    for a, b in [("tour", "tor"), ("prise", "prize"), ("metres", "times"), ("colour", "cooler")]:
        assert not spin.spelling_variants(a, b)
    text = ("The authorities might maybe maybe well well close the road, which is 40 kilometres long, this "
            "twelve months; travellers said the organised protest was favourable to the defence minister.")
    r = spin.despin_explained(text)
    assert r.flagged and ("twelve months", "year") in {(x.old, x.new) for x in r.repairs}
    assert not any(spin.spelling_variants(x.old.lower(), x.new.lower()) for x in r.repairs)
    assert "kilometres" in r.text and "defence" in r.text


def test_documents_spun_throughout_are_decided_by_the_high_spin_decider(seeds):
    """A document whose spin level reaches ``thesaurus_high_spin_level`` is decided again by the
    decider fitted on documents spun at several rates: on the clean seeds spun at every word the
    bench's spinner knows it restores more words than the 35 % decider alone; clean seeds forced
    through repair never reach the level, and the level itself (what the site check reads) is
    the first decider's, whatever the switch."""
    assert set(spin.decider_weights("weights_high")) == set(spin.DECIDER_FEATURES)
    assert spin.decider_weights("weights_high") != spin.decider_weights()
    off = {"thesaurus_high_spin_level": 99.0}

    def check(name: str, text: str, res) -> None:
        ev = [r.evidence for r in res.repairs if "decider P(original)" in r.evidence]
        assert ev and all(("documents spun throughout" in e) == (name == "on") for e in ev)
        assert spin.content_spin_level(text) == spin.content_spin_level(text, spin.section("spin", **off))

    right = _right_repairs_on_spun_seeds(seeds, {"on": {}, "off": off}, check)
    assert right["on"] > right["off"], right
    for k in ("001", "002", "004"):
        res = spin.despin_explained(seeds[k], score=1.0)
        assert not any("documents spun throughout" in r.evidence for r in res.repairs)


def test_table_tenth_part_and_later_family_words_are_restored_in_a_flagged_document():
    text = ("Thousands of folks gathered on Sunday, indubitably one of the crucial largest protests of the "
            "twelve months, as the presidential marketing campaign heated up. Police said two protesters were "
            "lifeless. Electrical energy prices rose all the way in which through the region, and the day gone by "
            "officials said the greenhouse gasoline target was seemingly to be missed. It is one of essentially "
            "the most serious crises, and within the waste the government might maybe maybe well well resign.")
    r = spin.despin_explained(text)
    assert r.flagged
    for phrase in ("Thousands of people", "one of the largest protests of the year", "presidential campaign",
                   "were dead", "Electricity prices rose throughout the region", "yesterday officials",
                   "greenhouse gas target was likely", "one of the most serious", "in the end the government"):
        assert phrase in r.text, phrase
    text = ("It is the realm's largest bank, and its chief government said that around the realm the authorities "
            "might maybe maybe well well act like a flash on memoir of the crisis, consistent with officials. Prices "
            "rose all the diagram in which via the year, and one design or one other the twelve months will end with "
            "mountainous losses.")
    assert spin.despin(text) == (
        "It is the world's largest bank, and its chief executive said that around the world the government would "
        "act quickly on account of the crisis, according to officials. Prices rose throughout the year, and one "
        "way or another the year will end with huge losses.")
    for text in ("He said the result was consistent with the data, and the Chief Government Whip agreed.",
                 "Knights swore loyalty to the realm's crown long before the town had a chief government of its own."):
        assert spin.despin_explained(text, score=1.0).text == text  # ordinary uses, even in a flagged document


def test_family_words_of_stop_37_are_restored_in_a_flagged_document():
    """The family list's later words ("crew" for "team", "impression" for "impact", "consultants"
    for "experts", "practically" for "almost"): the decider restores them where the context is the
    original's; the printed word stays where it is the writer's."""
    got = set()
    for text in ("The crew won the match, and nobody can say what impression the campaign will make on practically every voter.",
                 "Health consultants warned that the virus could spread practically everywhere."):
        r = spin.despin_explained(text, score=1.0)
        got |= {(x.old, x.new) for x in r.repairs}
        assert all("(spinner-family list)" in x.evidence for x in r.repairs if x.old in ("crew", "impression", "consultants"))
    assert {("crew", "team"), ("impression", "impact"), ("consultants", "experts"), ("practically", "almost")} <= got
    plain = "The film crew left. It was an exhausting day for the consultants, who doubtlessly knew the impression it made."
    assert spin.despin_explained(plain, score=1.0).text == plain and not spin.despin_explained(plain).flagged


def test_family_words_of_stop_38_are_restored_in_a_flagged_document():
    """The family list's stop-38 words ("fabricate" for "build", "preserve" for "keep",
    "unparalleled" for "unprecedented", "finest" for "best", "anecdote" for "story"): restored from the
    list where the context is the original's; a clean text using such words is not flagged."""
    got = set()
    for text in ("The company plans to fabricate a new factory and preserve prices low for customers.",
                 "The minister said the economy faces an unparalleled crisis, and the finest way out is to help small firms.",
                 "Police uncovered the bodies, and the anecdote of the rescue spread; fans were blissful with the sizzling weather.",
                 "Emergency carriers reached the scene, and the health carrier said the hazard was ample."):
        r = spin.despin_explained(text, score=1.0)
        got |= {(x.old, x.new) for x in r.repairs if "(spinner-family list)" in x.evidence}
    assert {("fabricate", "build"), ("preserve", "keep"), ("unparalleled", "unprecedented"), ("finest", "best"),
            ("uncovered", "found"), ("anecdote", "story"), ("blissful", "happy"), ("sizzling", "hot"),
            ("carrier", "service"), ("carriers", "services"), ("hazard", "risk"), ("ample", "enough")} <= got
    for plain in ("She gave an honest answer, and the finest wines of the region won prizes.",
                  "Police officers arrested two men, and the aircraft carrier sailed at dawn."):
        assert spin.despin_explained(plain, score=1.0).text == plain and not spin.despin_explained(plain).flagged


def test_family_words_of_stop_41_are_restored_in_a_flagged_document():
    """The family list's stop-41 words ("navy" for "military", "struggle" for "war", "contributors"
    for "members", "instances" for "cases"): restored from the list where the context is the
    original's; their ordinary uses in a flagged document stay."""
    got = set()
    for text in ("The navy junta imposed a curfew, and the struggle in Ukraine entered its third year.",
                 "The union said its contributors voted to strike, and coronavirus instances rose again."):
        r = spin.despin_explained(text, score=1.0)
        got |= {(x.old, x.new) for x in r.repairs if "(spinner-family list)" in x.evidence}
    assert {("navy", "military"), ("struggle", "war"), ("contributors", "members"), ("instances", "cases")} <= got
    for plain in ("Women and girls queued outside the clinic, and she received a letter from the ministry.",
                  "The navy said two ships had docked, and families struggle to pay rent as prices rise.",
                  "Climate change is driving more heat, and there were several instances of fraud at the bank.",
                  "He was seriously injured, and the shuttle docked with the station; budget considerations delayed it."):
        assert spin.despin_explained(plain, score=1.0).text == plain and not spin.despin_explained(plain).flagged


def test_a_plural_is_never_offered_a_singular_as_its_original():
    """lemminflect lists a noun's singular among its plurals where the noun has a mass use ("paint":
    paints, paint); scripts/make_spin_thesaurus.py keeps only the plural forms, so a plural spun word
    is not offered a singular ("metres" -> "meter", "colours" -> "paint", "bodies" -> "public")."""
    th = spin.thesaurus()
    for spun, singular in (("metres", "meter"), ("colours", "paint"), ("colours", "tone"), ("bodies", "public"),
                           ("rates", "speed"), ("charges", "care")):
        assert singular not in th[spun], (spun, singular)
    assert "rates" in th["charges"] and "meters" not in th["metres"]  # (a spelling variant is never offered)


def test_the_same_repair_elsewhere_in_the_document_lowers_the_odds_bar():
    """A spinner swaps a word the same way wherever it occurs: where the odds rule repaired "novel"
    → "new" with full evidence, its other occurrences need only ``thesaurus_consistency_factor``
    times the ratio, and the evidence says so; a word no position repairs gains nothing."""
    text = ("The novel currency will be launched next year, the central bank said. Traders said a novel "
            "currency could calm markets, though the novel notes will take months to print.")
    off = spin.despin_explained(text, score=1.0, overrides={"thesaurus_consistency_factor": 1.0})
    on = spin.despin_explained(text, score=1.0)
    assert [(r.old, r.new) for r in off.repairs] == [("novel", "new")]
    assert [(r.old, r.new) for r in on.repairs] == [("novel", "new")] * 3 and "novel" not in on.text
    helped = [r for r in on.repairs if "the same repair made with full evidence at 1 other position" in r.evidence]
    assert len(helped) == 2 and not any("other position" in r.evidence for r in off.repairs)
    book = "She said the novel won a prize last year, and the novel sold a million copies; a film of the novel is planned."
    assert spin.despin_explained(book, score=1.0).text == book


def test_moby_candidates_follow_wordnet_and_the_family_list():
    """Moby Thesaurus II (data/spin_moby.tsv.gz) adds the words that only it lists, after WordNet's
    and the family list's, at its own channel cost; never function words, spelling variants or
    antonyms (Moby lists "late" beside "early")."""
    words = [w for w, _c in spin.thesaurus_costs()["metropolis"]]
    moby = spin.moby_only("metropolis")
    assert words[0] == "city" and "city" not in moby  # the family list first
    assert "town" in moby and "state capital" in words and "state capital" not in moby
    first = min(words.index(w) for w in moby)
    assert set(words[first:]) == set(moby)
    raw = spin._moby_raw()
    assert len(raw) > 30_000
    func = spin._function_words()
    for spun, value in list(raw.items())[::50]:
        cands = spin._parse_candidates(value)
        assert 0 < len(cands) <= 8 and spun == spun.lower() and " " not in spun
        assert all(c >= 0 and w not in func and " " not in w for w, c in cands)
    assert "earlier" not in spin.thesaurus().get("later", ())
    assert not any(spin.spelling_variants("centre", w) for w in spin.thesaurus().get("centre", ()))


def _moby_spun_seeds(seeds) -> list[tuple[str, dict[tuple[int, int], str]]]:
    """Seeds 001/002/004 with every other word that has Moby candidates swapped for a word whose Moby
    candidates hold it (picked by hash): (spun text, {span in the spun text: original})."""
    fwd: dict[str, list[str]] = {}
    for s, v in spin._moby_raw().items():
        for o, _c in spin._parse_candidates(v):
            fwd.setdefault(o, []).append(s)
    out = []
    for k in ("001", "002", "004"):
        text, parts, pos, want = seeds[k], [], 0, {}
        for m in re.finditer(r"[a-z]+", text):
            opts = sorted(fwd.get(m.group(), ()))
            if not opts or int(hashlib.blake2b(f"{k}{m.start()}".encode()).hexdigest(), 16) % 2:
                continue
            new = opts[int(hashlib.blake2b(m.group().encode()).hexdigest(), 16) % len(opts)]
            parts.append(text[pos : m.start()])
            a = sum(map(len, parts))
            parts.append(new)
            want[(a, a + len(new))] = m.group()
            pos = m.end()
        parts.append(text[pos:])
        out.append(("".join(parts), want))
    return out


def test_moby_candidates_repair_a_flagged_document_and_say_so(seeds):
    """A candidate only Moby lists is applied by the decider in a flagged document, with its source in
    the evidence, and only at ``thesaurus_moby_odds_ratio`` (16) times the printed word's probability:
    fewer such repairs than at the general ratio (4), most of them right at either."""
    counts = {}
    for ratio in (4.0, spin.section("spin")["thesaurus_moby_odds_ratio"]):
        right = made = 0
        for spun, want in _moby_spun_seeds(seeds):
            res = spin.despin_explained(spun, score=1.0, overrides={"thesaurus_moby_odds_ratio": ratio})
            for r in res.repairs:
                if spin.candidate_source(r.old.lower(), r.new.lower()) == "Moby thesaurus":
                    assert "(Moby thesaurus)" in r.evidence and f"≥ {ratio:g} × P(printed word" in r.evidence
                    made += 1
                    right += want.get((r.start, r.end)) == r.new.lower()
        counts[ratio] = (right, made)
    assert counts[4.0][0] >= 5 and counts[4.0][0] >= 0.8 * counts[4.0][1], counts
    assert counts[16.0][1] <= counts[4.0][1] and counts[16.0][0] >= 0.8 * counts[16.0][1], counts
    # switched off, none is applied
    for spun, _want in _moby_spun_seeds(seeds):
        res = spin.despin_explained(spun, score=1.0, overrides={"thesaurus_moby": False, "thesaurus_moby_odds_ratio": 4.0})
        assert not any("(Moby thesaurus)" in r.evidence for r in res.repairs)


@pytest.mark.parametrize("text", [
    "The squad trained in the metropolis on Monday, and the coach praised their goodness and belligerent spirit.",
    "Consequent on the ruling, the town council met in the village hall to discuss the district budget.",
])
def test_ordinary_uses_of_moby_words_are_neither_flagged_nor_changed(text):
    r = spin.despin_explained(text)
    assert not r.flagged and r.text == text


def test_the_spin_level_reads_the_wordnet_and_family_candidates_alone(seeds, monkeypatch):
    """The level's bars (content check, second decider, site check) and detection's gray zone were
    set on the WordNet and family candidates; the Moby candidates change the repair, never the level
    nor the spin score."""
    import thesaurus_spinner

    texts = [thesaurus_spinner.spin_text(seeds[k], seed=7, rate=r) for k in ("001", "004") for r in (0.35, 1.0)]
    texts.append(seeds["002"])
    # seeds spun with Moby's words and one tell: in detection's gray zone, where Moby's confident
    # repairs would count as hits
    texts += [spun + " The vote might maybe maybe well well be delayed." for spun, _want in _moby_spun_seeds(seeds)]
    with_moby = [(spin.content_spin_level(t), spin.spin_score(t)) for t in texts]
    assert any(spin.moby_only(w.lower()) for t in texts for w in t.split())

    monkeypatch.setattr(spin, "_moby_raw", lambda: {})
    spin.clear_candidate_caches()
    try:
        assert not spin.moby_only("metropolis")
        assert [(spin.content_spin_level(t), spin.spin_score(t)) for t in texts] == with_moby  # detection too
    finally:
        monkeypatch.undo()
        spin.clear_candidate_caches()
    assert spin.moby_only("metropolis")


def test_a_conditional_form_is_repaired_where_its_condition_fails_if_it_holds_elsewhere():
    """A spinner prints the same form for the same word throughout: "talked about" for "said"
    before "on Tuesday" (its condition) makes the same form before a clause a repair too, when the
    trigram model agrees; "talked about the weather" (ordinary English) stays."""
    spun = "The minister talked about on Tuesday that the plan would work. Critics talked about the conception would fail."
    res = spin.despin_explained(spun, score=1.0)
    assert res.text == "The minister said on Tuesday that the plan would work. Critics said the conception would fail."
    assert "holds elsewhere in the document" in res.repairs[1].evidence
    ordinary = "The minister talked about on Tuesday that the plan would work. At dinner they talked about the weather and football."
    assert spin.despin_explained(ordinary, score=1.0).text == (
        "The minister said on Tuesday that the plan would work. At dinner they talked about the weather and football.")
    # no occurrence whose condition holds: every one stays
    alone = "Critics talked about the conception would fail, and they talked about the weather."
    assert spin.despin_explained(alone, score=1.0).text == alone


def test_no_longer_after_did_makes_the_documents_other_no_longers_echoes():
    """The family prints "no longer" for every "not"; after "did" it is never English, so a document
    that has "did no longer" has its other "no longer"s weighed as echoes, while a document without
    one keeps them, and changelog English ("does no longer work") neither flags a text nor changes."""
    spun = ("The minister did no longer say when talks resume. It is no longer clear whether the deal will close, "
            "and the firm could no longer be reached.")
    res = spin.despin_explained(spun, score=1.0)
    assert res.text == ("The minister did not say when talks resume. It is not clear whether the deal will close, "
                        "and the firm could not be reached.")
    assert [("holds elsewhere in the document" in r.evidence) for r in res.repairs] == [False, True, True]
    ordinary = "It is no longer clear whether the deal will close, and the firm could no longer be reached."
    assert spin.despin_explained(ordinary, score=1.0).text == ordinary
    changelog = "The tool does no longer work on old machines, and the old flag does no longer exist."
    assert spin.spin_score(changelog) < THRESHOLD
    assert spin.despin(changelog) == changelog
